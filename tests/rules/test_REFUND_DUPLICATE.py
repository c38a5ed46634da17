"""REFUND_DUPLICATE (rules.md §2): a second approved or paid refund of one top-up."""

from decimal import Decimal


def refund(fid, topup_id, amount, decided_at, status="approved", requested_at="2026-11-01T08:00:00+08:00"):
    return {"refund_id": fid, "account_id": "a1", "topup_id": topup_id, "requested_at": requested_at,
            "decided_at": decided_at, "status": status, "amount": amount}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("REFUND_DUPLICATE")]


def test_later_refunds_of_one_topup_are_flagged_with_their_amount(db):
    db.add("refunds",
           refund("f1", "t1", "10.00", "2026-11-05T10:00:00+08:00"),
           refund("f3", "t1", "99.00", "2026-11-06T10:00:00+08:00", status="rejected"),  # moves nothing
           refund("f2", "t1", "7.50", "2026-11-07T10:00:00+08:00", status="paid"),
           # ordered by decided_at, not requested_at: f6 asked first but decided last
           refund("f6", "t6", "4.00", "2026-11-09T10:00:00+08:00", requested_at="2026-11-01T08:00:00+08:00"),
           refund("f7", "t6", "3.00", "2026-11-08T10:00:00+08:00", requested_at="2026-11-02T08:00:00+08:00"))
    assert stakes(db) == [("f2", Decimal("7.50")), ("f6", Decimal("4.00"))]


def test_refunds_decided_at_one_instant_are_ordered_by_refund_id(db):
    db.add("refunds", refund("fb", "t2", "2.00", "2026-11-05T10:00:00+08:00"),
           refund("fa", "t2", "1.00", "2026-11-05T10:00:00+08:00"))
    assert stakes(db) == [("fb", Decimal("2.00"))]


def test_one_approved_refund_among_rejected_or_pending_ones_is_not_flagged(db):
    db.add("refunds", refund("f4", "t3", "5.00", "2026-11-04T10:00:00+08:00", status="rejected"),
           refund("f5", "t3", "5.00", "2026-11-05T10:00:00+08:00"),
           # decided at "now": still pending for this run
           refund("f8", "t3", "5.00", "2026-11-21T00:00:00+08:00"),
           refund("f9", "t3", "5.00", None, status="requested"))
    assert stakes(db) == []
