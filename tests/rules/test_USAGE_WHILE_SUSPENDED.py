"""USAGE_WHILE_SUSPENDED (rules.md §2, §6 "Intervals"): [lock/freeze, unlock/unfreeze/reinstate)."""

from decimal import Decimal


def action(xid, at, kind, aid="a1"):
    return {"action_id": xid, "account_id": aid, "at": at, "action": kind, "reason": "illegal_funds"}


def call(rid, at, amount, aid="a1"):
    return {"request_id": rid, "account_id": aid, "api_key_id": "k1", "model": "glm-4", "started_at": at,
            "input_tokens": 0, "output_tokens": 0, "amount": amount, "cash_amount": amount,
            "trial_amount": "0", "discount_amount": "0"}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("USAGE_WHILE_SUSPENDED")]


def test_usage_inside_merged_suspensions_is_summed_per_account_and_date(db):
    db.add("account_actions",
           action("x1", "2026-11-10T10:00:00+08:00", "lock"),
           action("x2", "2026-11-10T12:00:00+08:00", "freeze"),      # overlaps: merges
           action("x3", "2026-11-11T09:00:00+08:00", "unfreeze"))    # any resume ends both
    db.add("usage",
           call("r0", "2026-11-10T09:59:59+08:00", "9.000000"),      # before the lock
           call("r1", "2026-11-10T10:00:00+08:00", "1.500000"),      # at the lock: suspended
           call("r2", "2026-11-10T23:00:00+08:00", "2.250000"),
           call("r3", "2026-11-11T08:59:59+08:00", "0.125000"),      # next business date
           call("r4", "2026-11-11T09:00:00+08:00", "5.000000"))      # at the unfreeze: served
    # 11-10: 1.5 + 2.25 = 3.75; 11-11: 0.125 -> 0.12 (half-even)
    assert flagged(db) == [("a1|2026-11-10", Decimal("3.75")), ("a1|2026-11-11", Decimal("0.12"))]


def test_usage_after_an_unlock_and_a_close_alone_are_not_suspension(db):
    db.add("account_actions",
           action("x1", "2026-11-10T10:00:00+08:00", "lock"),
           action("x2", "2026-11-10T10:30:00+08:00", "unlock"),
           action("x3", "2026-11-12T10:00:00+08:00", "close", aid="a2"))
    db.add("usage", call("r1", "2026-11-10T10:30:00+08:00", "1.000000"),
           call("r2", "2026-11-12T11:00:00+08:00", "1.000000", aid="a2"))
    assert flagged(db) == []
