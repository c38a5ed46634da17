"""USAGE_WITHOUT_BALANCE (rules.md §2): recomputed uncovered usage per account and business date."""

from decimal import Decimal


def topup(tid, account, amount, paid_at="2026-11-01T10:00:00+08:00"):
    return {"topup_id": tid, "account_id": account, "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def call(rid, account, started_at, amount):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": amount, "trial_amount": "0", "discount_amount": "0"}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("USAGE_WITHOUT_BALANCE")]


def test_usage_beyond_the_balance_is_flagged_on_its_business_date(db):
    db.add("topups", topup("t1", "a1", "10.00"))
    # 6 + 7 = 13 against 10: the 11-06 day leaves 3 uncovered
    db.add("usage", call("r1", "a1", "2026-11-05T10:00:00+08:00", "6.000000"),
           call("r2", "a1", "2026-11-06T10:00:00+08:00", "7.000000"))
    # a2 has nothing: 23:30+08:00 is business date 11-10; 00:30+08:00 on 11-11 is 11-10 in UTC
    # but business date 11-11
    db.add("usage", call("r3", "a2", "2026-11-10T23:30:00+08:00", "2.250000"),
           call("r4", "a2", "2026-11-11T00:30:00+08:00", "1.500000"))
    assert stakes(db) == [("a1|2026-11-06", Decimal("3.00")),
                          ("a2|2026-11-10", Decimal("2.25")),
                          ("a2|2026-11-11", Decimal("1.50"))]


def test_usage_exactly_equal_to_the_balance_is_not_flagged(db):
    db.add("topups", topup("t3", "a3", "10.00"))
    db.add("usage", call("r1", "a3", "2026-11-05T10:00:00+08:00", "4.000000"),
           call("r2", "a3", "2026-11-06T10:00:00+08:00", "6.000000"))
    # a top-up paid at the very instant of the call covers it (credits come first)
    db.add("topups", topup("t4", "a4", "1.00", paid_at="2026-11-07T10:00:00+08:00"))
    db.add("usage", call("r3", "a4", "2026-11-07T10:00:00+08:00", "1.000000"))
    assert stakes(db) == []
