"""EXEMPT_CAUSE_PAID (rules.md §2, Zhipu §9.2): an exempt cause with paid_amount > 0."""

from decimal import Decimal


def claim(cid, cause, paid):
    return {"claim_id": cid, "account_id": "a1", "model": "glm-4", "filed_at": "2026-11-10T10:00:00+08:00",
            "cause": cause, "damage_type": "direct", "claimed_amount": "500.00", "paid_amount": paid,
            "paid_at": "2026-11-12T10:00:00+08:00"}


def test_paid_claims_for_each_exempt_cause_are_flagged(db):
    db.add("claims",
           claim("c1", "force_majeure", "10.00"),
           claim("c2", "public_service_failure", "20.00"),
           claim("c3", "maintenance", "30.00"),
           claim("c4", "third_party", "40.05"),
           claim("c5", "platform_fault", "99.00"),      # liable cause: not this rule
           claim("c6", "user_fault", "5.00"),           # not among the exempt causes of the rule
           claim("c7", "maintenance", "0.00"))
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("EXEMPT_CAUSE_PAID")] == [
        ("c1", Decimal("10.00")), ("c2", Decimal("20.00")), ("c3", Decimal("30.00")),
        ("c4", Decimal("40.05"))]
