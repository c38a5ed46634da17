"""RATING_MISMATCH (rules.md §2): Σ charged ≠ Σ re-rated per account, model and business date."""

from decimal import Decimal


def price(model, effective_from, inp, out):
    return {"model": model, "effective_from": effective_from,
            "input_price_per_1k": inp, "output_price_per_1k": out}


def call(rid, started_at, inp, out, amount, account="a1", model="glm-4"):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": model,
            "started_at": started_at, "input_tokens": inp, "output_tokens": out, "amount": amount,
            "cash_amount": amount, "trial_amount": "0", "discount_amount": "0"}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("RATING_MISMATCH")]


def test_overcharge_price_change_and_unpriced_model_are_flagged(db):
    db.add("prices", price("glm-4", "2026-11-01T00:00:00+08:00", "0.005000", "0.015000"),
           price("glm-4", "2026-11-10T00:00:00+08:00", "0.010000", "0.020000"))
    db.add("usage",
           # 1000 × 0.005/1000 + 1000 × 0.015/1000 = 0.02; charged 0.03 -> 0.01
           call("r1", "2026-11-09T10:00:00+08:00", 1000, 1000, "0.030000"),
           # at exactly the new price's effective_from the new price holds:
           # 100000 × 0.010/1000 + 50000 × 0.020/1000 = 1 + 1 = 2.00;
           # charged at the old price 0.5 + 0.75 = 1.25 -> |1.25 - 2.00| = 0.75
           call("r2", "2026-11-10T00:00:00+08:00", 100000, 50000, "1.250000"),
           # no price in force for this model: re-rates to 0, all 1.00 is at stake
           call("r3", "2026-11-12T10:00:00+08:00", 10, 10, "1.000000", model="unpriced"))
    assert stakes(db) == [("a1|glm-4|2026-11-09", Decimal("0.01")),
                          ("a1|glm-4|2026-11-10", Decimal("0.75")),
                          ("a1|unpriced|2026-11-12", Decimal("1.00"))]


def test_row_total_is_rounded_once_half_even(db):
    db.add("prices", price("tiny", "2026-11-01T00:00:00+08:00", "0.001500", "0.001000"))
    # 1 × 0.0015/1000 + 1 × 0.001/1000 = 0.0000025 -> half-even to 6 decimals: 0.000002
    # (half-up would give 0.000003; rounding each part first would give 0.000002 + 0.000001)
    db.add("usage", call("r1", "2026-11-10T10:00:00+08:00", 1, 1, "0.000002", model="tiny"))
    assert stakes(db) == []


def test_errors_that_cancel_within_one_business_date_are_not_flagged(db):
    db.add("prices", price("glm-4", "2026-11-01T00:00:00+08:00", "0.010000", "0.010000"))
    db.add("usage",
           # 00:30+08:00 on 11-11 is 11-10 in UTC but business date 11-11: +0.01 overcharge
           call("r1", "2026-11-11T00:30:00+08:00", 1000, 0, "0.020000"),
           # later on 11-11: -0.01 undercharge; the day nets to 0
           call("r2", "2026-11-11T10:00:00+08:00", 1000, 0, "0.000000"))
    assert stakes(db) == []


def test_calls_past_64_bit_integers_are_rated_exactly_and_half_even(db):
    # 3·10^9 tokens at 5,000 yuan per 1k: 1.5·10^19 units of 1e-9 yuan, past BIGINT (9.2·10^18);
    # plus 501 output tokens at 0.000001 per 1k: 501e-9 yuan, which rounds the call up by 1e-6
    db.add("prices", price("big", "2026-11-01T00:00:00+08:00", "5000.000000", "0.000001"))
    db.add("usage",
           call("r1", "2026-11-10T10:00:00+08:00", 3000000000, 501, "15000000000.000001", model="big"),
           # the same call charged 1 yuan short on another day
           call("r2", "2026-11-11T10:00:00+08:00", 3000000000, 501, "14999999999.000001", model="big"))
    assert stakes(db) == [("a1|big|2026-11-11", Decimal("1.00"))]
