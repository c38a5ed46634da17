"""marts.liability_caps (rules.md "The liability cap", §6 "Liability"): one row per claim."""

from decimal import Decimal

from transforms.build import run_query


def call(rid, at, amount, cash, model="glm-4"):
    return {"request_id": rid, "account_id": "a1", "api_key_id": "k1", "model": model, "started_at": at,
            "input_tokens": 0, "output_tokens": 0, "amount": amount, "cash_amount": cash,
            "trial_amount": str(Decimal(amount) - Decimal(cash)), "discount_amount": "0"}


def claim(cid, filed_at, claimed, paid=None, cause="platform_fault", damage="direct", model="glm-4"):
    return {"claim_id": cid, "account_id": "a1", "model": model, "filed_at": filed_at, "cause": cause,
            "damage_type": damage, "claimed_amount": claimed, "paid_amount": paid}


def caps(db):
    db.build()
    run_query(db.con, db.ctx, "marts.liability_caps")
    return db.query("SELECT claim_id, cap_basis, cap, eligible, paid_before, payable, reason "
                    "FROM marts.liability_caps ORDER BY claim_id")


def test_cap_eligible_paid_before_payable_and_reason_per_claim(db):
    db.add("usage",
           call("r1", "2026-11-01T10:00:00+08:00", "80.000000", "60.500000"),
           call("r2", "2026-11-06T10:00:00+08:00", "40.000000", "40.000000"),
           call("r3", "2026-11-06T10:00:00+08:00", "999.000000", "999.000000", model="other"))
    db.add("claims",
           # c1 (11-05): cap = cash before = 60.50; eligible 50; nothing paid before -> payable 50
           claim("c1", "2026-11-05T10:00:00+08:00", "50.00", paid="50.00"),
           # c2 (11-06 10:00, r2 at the same instant counts): cap 100.50, paid before 50,
           # eligible 80 -> min(80, 50.50) = 50.50, capped
           claim("c2", "2026-11-06T10:00:00+08:00", "80.00", paid="40.00"),
           # c3: indirect -> eligible 0, payable 0; cap 100.50, paid before 90
           claim("c3", "2026-11-07T10:00:00+08:00", "10.00", damage="indirect"),
           # c4: maintenance -> exempt
           claim("c4", "2026-11-08T10:00:00+08:00", "10.00", cause="maintenance"),
           # c5: user fault -> not the platform's
           claim("c5", "2026-11-09T10:00:00+08:00", "10.00", cause="user_fault"),
           # c6: cap 100.50 - paid before 90.00 = 10.50 >= 10: all of it payable
           claim("c6", "2026-11-10T10:00:00+08:00", "10.00"))
    D = Decimal
    assert caps(db) == [
        ("c1", "paid", D("60.500000"), D("50.00"), D("0.00"), D("50.000000"), None),
        ("c2", "paid", D("100.500000"), D("80.00"), D("50.00"), D("50.500000"), "cap_reached"),
        ("c3", "paid", D("100.500000"), D("0.00"), D("90.00"), D("0.000000"), "indirect_damage"),
        ("c4", "paid", D("100.500000"), D("0.00"), D("90.00"), D("0.000000"), "exempt_cause"),
        ("c5", "paid", D("100.500000"), D("0.00"), D("90.00"), D("0.000000"), "not_platform_fault"),
        ("c6", "paid", D("100.500000"), D("10.00"), D("90.00"), D("10.000000"), None),
    ]


def test_nothing_payable_once_earlier_claims_used_up_the_cap(db):
    db.add("usage", call("r1", "2026-11-01T10:00:00+08:00", "20.000000", "20.000000"))
    # same filed_at: c1 sorts before c2 by claim_id; c1 took 25 > cap 20
    db.add("claims", claim("c1", "2026-11-05T10:00:00+08:00", "25.00", paid="25.00"),
           claim("c2", "2026-11-05T10:00:00+08:00", "5.00"))
    assert [(r[0], r[4], r[5], r[6]) for r in caps(db)] == [
        ("c1", Decimal("0.00"), Decimal("20.000000"), "cap_reached"),
        ("c2", Decimal("25.00"), Decimal("0.000000"), "cap_reached")]
