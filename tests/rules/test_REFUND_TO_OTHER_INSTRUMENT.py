"""REFUND_TO_OTHER_INSTRUMENT (rules.md §2): refund paid to an instrument other than the payer's."""

from decimal import Decimal


def topup(tid, payer):
    return {"topup_id": tid, "account_id": "a1", "paid_at": "2026-11-01T10:00:00+08:00",
            "amount": "100.00", "method": "alipay", "payer_ref_hash": payer, "status": "succeeded"}


def refund(fid, topup_id, amount, destination, status="approved"):
    return {"refund_id": fid, "account_id": "a1", "topup_id": topup_id,
            "requested_at": "2026-11-04T12:00:00+08:00", "decided_at": "2026-11-05T10:00:00+08:00",
            "status": status, "amount": amount, "destination_ref_hash": destination}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("REFUND_TO_OTHER_INSTRUMENT")]


def test_refunds_to_another_instrument_are_flagged_with_their_amount(db):
    db.add("topups", topup("t1", "p1"), topup("t2", "p2"))
    db.add("refunds", refund("f1", "t1", "40.00", "px"),
           refund("f2", "t2", "12.34", "p1", status="paid"))  # p1 is t1's instrument, not t2's
    assert stakes(db) == [("f1", Decimal("40.00")), ("f2", Decimal("12.34"))]


def test_refund_to_the_payer_without_destination_or_not_approved_is_not_flagged(db):
    db.add("topups", topup("t1", "p1"))
    db.add("refunds", refund("f3", "t1", "40.00", "p1"), refund("f4", "t1", "40.00", None),
           refund("f5", "t1", "40.00", "px", status="rejected"),
           refund("f6", "t1", "40.00", "px", status="requested"))
    assert stakes(db) == []
