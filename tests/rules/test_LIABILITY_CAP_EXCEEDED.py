"""LIABILITY_CAP_EXCEEDED (rules.md §2, §6 "Liability", Zhipu §9.5)."""

from decimal import Decimal

from core.config import Config, Liability


def call(rid, at, amount, cash, model="glm-4", aid="a1"):
    return {"request_id": rid, "account_id": aid, "api_key_id": "k1", "model": model, "started_at": at,
            "input_tokens": 0, "output_tokens": 0, "amount": amount, "cash_amount": cash,
            "trial_amount": str(Decimal(amount) - Decimal(cash)), "discount_amount": "0"}


def claim(cid, filed_at, paid, model="glm-4", aid="a1"):
    return {"claim_id": cid, "account_id": aid, "model": model, "filed_at": filed_at, "cause": "platform_fault",
            "damage_type": "direct", "claimed_amount": "1000.00", "paid_amount": paid}


def usage(db):
    db.add("usage",
           call("r1", "2026-11-01T10:00:00+08:00", "60.000000", "40.000000"),
           call("r2", "2026-11-10T10:00:00+08:00", "30.000000", "30.000000"),   # at c2's filed_at: counts
           call("r3", "2026-11-12T10:00:00+08:00", "500.000000", "500.000000"),  # after: does not
           call("r4", "2026-11-01T10:00:00+08:00", "900.000000", "900.000000", model="other"))


def test_paid_beyond_the_fees_of_the_model_is_flagged_on_the_latest_claim(db):
    usage(db)
    # cap at c2 (latest, 11-10 10:00), basis paid: cash 40 + 30 = 70; paid 50 + 30.25 = 80.25
    db.add("claims", claim("c1", "2026-11-05T10:00:00+08:00", "50.00"),
           claim("c2", "2026-11-10T10:00:00+08:00", "30.25"),
           # another model's claim is capped by that model's fees: 10 <= 900
           claim("d1", "2026-11-05T10:00:00+08:00", "10.00", model="other"))
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("LIABILITY_CAP_EXCEEDED")] == [
        ("c2", Decimal("10.25"))]


def test_paid_equal_to_the_cap_is_not_flagged_and_charged_basis_counts_amount(make_db):
    db = make_db("2026-11-20", Config(liability=Liability(cap_basis="charged")))
    usage(db)
    # charged basis: 60 + 30 = 90 = 50 + 40 paid: not above the cap
    db.add("claims", claim("c1", "2026-11-05T10:00:00+08:00", "50.00"),
           claim("c2", "2026-11-10T10:00:00+08:00", "40.00"))
    assert db.rule("LIABILITY_CAP_EXCEEDED") == []
