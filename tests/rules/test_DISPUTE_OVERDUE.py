"""DISPUTE_OVERDUE (rules.md §2, §6): a dispute lock unresolved within 30 days of `at`."""

from decimal import Decimal


def lock(xid, aid, at, topup_id, evidence=None):
    return {"action_id": xid, "account_id": aid, "at": at, "action": "lock",
            "reason": "third_party_topup_dispute", "topup_id": topup_id, "evidence_received_at": evidence}


def topup(tid, aid, amount):
    return {"topup_id": tid, "account_id": aid, "paid_at": "2026-09-01T10:00:00+08:00", "amount": amount,
            "method": "alipay", "payer_ref_hash": "p" + tid, "status": "succeeded"}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("DISPUTE_OVERDUE")]


def test_locks_unresolved_for_30_days_are_flagged_with_the_disputed_amount(db):
    db.add("topups", topup("t1", "a1", "300.00"), topup("t2", "a2", "45.60"))
    db.add("account_actions",
           lock("x1", "a1", "2026-10-01T10:00:00+08:00", "t1"),   # nothing ever came
           # evidence arrived at exactly 30 days (deadline 2026-10-31T10:00): too late
           lock("x2", "a2", "2026-10-01T10:00:00+08:00", "t2", evidence="2026-10-31T10:00:00+08:00"),
           # unlocked only after the deadline: a later resolution does not cure
           lock("x3", "a3", "2026-10-01T10:00:00+08:00", None),
           {"action_id": "x4", "account_id": "a3", "at": "2026-11-02T10:00:00+08:00", "action": "unlock",
            "reason": "third_party_topup_dispute"})
    assert flagged(db) == [("x1", Decimal("300.00")), ("x2", Decimal("45.60")), ("x3", Decimal("0.00"))]


def test_resolution_at_29_days_23_hours_and_a_young_dispute_are_not_flagged(db):
    db.add("topups", topup("t1", "a1", "300.00"), topup("t2", "a2", "50.00"), topup("t3", "a3", "10.00"))
    db.add("account_actions",
           # evidence at 29 d 23 h
           lock("x1", "a1", "2026-10-01T10:00:00+08:00", "t1", evidence="2026-10-31T09:00:00+08:00"),
           # unlock at 29 d 23 h
           lock("x2", "a2", "2026-10-01T10:00:00+08:00", "t2"),
           {"action_id": "x2u", "account_id": "a2", "at": "2026-10-31T09:00:00+08:00", "action": "unlock",
            "reason": "third_party_topup_dispute"},
           # deadline 2026-11-21T00:00:01 (+08) is after "now" (2026-11-21T00:00): not yet due
           lock("x5", "a3", "2026-10-22T00:00:01+08:00", "t3"))
    assert flagged(db) == []


def test_an_approved_refund_of_the_disputed_topup_in_time_resolves_it(db):
    db.add("topups", topup("t1", "a1", "300.00"), topup("t2", "a2", "80.00"))
    db.add("account_actions", lock("x1", "a1", "2026-10-01T10:00:00+08:00", "t1"),
           lock("x2", "a2", "2026-10-01T10:00:00+08:00", "t2"))
    db.add("refunds",
           {"refund_id": "f1", "account_id": "a1", "topup_id": "t1", "requested_at": "2026-10-20T10:00:00+08:00",
            "decided_at": "2026-10-31T09:00:00+08:00", "status": "approved", "amount": "300.00"},
           # rejected: resolves nothing
           {"refund_id": "f2", "account_id": "a2", "topup_id": "t2", "requested_at": "2026-10-20T10:00:00+08:00",
            "decided_at": "2026-10-25T09:00:00+08:00", "status": "rejected", "amount": "80.00"})
    assert flagged(db) == [("x2", Decimal("80.00"))]
