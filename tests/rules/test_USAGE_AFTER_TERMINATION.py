"""USAGE_AFTER_TERMINATION (rules.md §2, §6 "Intervals"): [close/terminate, reinstate)."""

from decimal import Decimal


def action(xid, at, kind, aid="a1"):
    return {"action_id": xid, "account_id": aid, "at": at, "action": kind, "reason": "other"}


def call(rid, at, amount, aid="a1"):
    return {"request_id": rid, "account_id": aid, "api_key_id": "k1", "model": "glm-4", "started_at": at,
            "input_tokens": 0, "output_tokens": 0, "amount": amount, "cash_amount": amount,
            "trial_amount": "0", "discount_amount": "0"}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("USAGE_AFTER_TERMINATION")]


def test_usage_after_close_or_terminate_until_reinstate_is_flagged(db):
    db.add("account_actions",
           action("x1", "2026-11-10T10:00:00+08:00", "close"),
           action("x2", "2026-11-10T11:00:00+08:00", "unlock"),       # does not end a close
           action("x3", "2026-11-12T10:00:00+08:00", "reinstate"),
           action("y1", "2026-11-15T10:00:00+08:00", "terminate", aid="b1"))
    db.add("usage",
           call("r1", "2026-11-10T10:00:00+08:00", "2.000000"),       # at the close
           call("r2", "2026-11-10T12:00:00+08:00", "3.000000"),
           call("r3", "2026-11-12T09:59:59+08:00", "0.500000"),
           call("r4", "2026-11-12T10:00:00+08:00", "7.000000"),       # at the reinstate: fine
           call("s1", "2026-11-20T23:59:59+08:00", "1.005000", aid="b1"))
    # a1 11-10: 2 + 3 = 5.00; a1 11-12: 0.50; b1 11-20: 1.005 -> 1.00 (half-even)
    assert flagged(db) == [("a1|2026-11-10", Decimal("5.00")), ("a1|2026-11-12", Decimal("0.50")),
                           ("b1|2026-11-20", Decimal("1.00"))]


def test_a_lock_is_not_a_termination(db):
    db.add("account_actions", action("x1", "2026-11-10T10:00:00+08:00", "lock"))
    db.add("usage", call("r1", "2026-11-10T12:00:00+08:00", "2.000000"))
    assert flagged(db) == []
