"""FUNDING_MISMATCH (rules.md §2): the platform's daily funding parts vs the recomputed ones."""

import json
from decimal import Decimal


def topup(tid, account, amount, paid_at="2026-11-01T10:00:00+08:00"):
    return {"topup_id": tid, "account_id": account, "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def trial(gid, account, amount):
    return {"grant_id": gid, "account_id": account, "kind": "trial", "amount": amount,
            "granted_at": "2026-11-01T10:00:00+08:00"}


def call(rid, account, started_at, amount, cash="0", trial_="0", discount="0", unpaid=None):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": cash, "trial_amount": trial_, "discount_amount": discount,
            "unpaid_amount": unpaid}


def test_platform_funding_other_than_recomputed_is_flagged_with_half_the_total_difference(db):
    db.add("topups", topup("t1", "a1", "100.00"))
    db.add("grants", trial("g1", "a1", "5.00"))
    # recomputed: trial 5 then cash 3; platform: cash 8 -> |8-3| + |0-5| = 10, / 2 = 5.00
    db.add("usage", call("r1", "a1", "2026-11-10T10:00:00+08:00", "8.000000", cash="8.000000"))
    # a2 has nothing: recomputed uncovered 2; platform: cash 2 -> |2-0| + |0-2| = 4, / 2 = 2.00
    db.add("usage", call("r2", "a2", "2026-11-12T10:00:00+08:00", "2.000000", cash="2.000000"))
    result = db.rule("FUNDING_MISMATCH")
    assert [(r["subject_id"], r["amount_at_stake"]) for r in result] == [
        ("a1|2026-11-10", Decimal("5.00")), ("a2|2026-11-12", Decimal("2.00"))]
    ev = json.loads(result[0]["evidence"])
    assert (ev["platform_cash"], ev["recomputed_cash"], ev["recomputed_trial"]) == (8, 3, 5)


def test_platform_funding_equal_to_recomputed_is_not_flagged(db):
    db.add("topups", topup("t3", "a3", "1.00"))
    db.add("grants", trial("g3", "a3", "3.00"))
    # 4.00 = trial 3 + cash 1, exactly as the platform says; the unpaid part is 0 by default
    db.add("usage", call("r1", "a3", "2026-11-10T23:30:00+08:00", "2.500000", trial_="2.500000"),
           call("r2", "a3", "2026-11-10T23:45:00+08:00", "1.500000", trial_="0.500000", cash="1.000000"))
    # a4 has no balance and the platform says so: unpaid 1 = recomputed uncovered 1
    db.add("usage", call("r3", "a4", "2026-11-10T10:00:00+08:00", "1.000000", unpaid="1.000000"))
    assert db.rule("FUNDING_MISMATCH") == []
