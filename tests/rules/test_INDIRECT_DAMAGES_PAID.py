"""INDIRECT_DAMAGES_PAID (rules.md §2, Zhipu §9.3): indirect damage with paid_amount > 0."""

from decimal import Decimal


def claim(cid, damage, paid, paid_at="2026-11-15T10:00:00+08:00", cause="platform_fault"):
    return {"claim_id": cid, "account_id": "a1", "model": "glm-4", "filed_at": "2026-11-10T10:00:00+08:00",
            "cause": cause, "damage_type": damage, "claimed_amount": "500.00", "paid_amount": paid,
            "paid_at": paid_at}


def test_paid_indirect_damage_claims_are_flagged_with_the_paid_amount(db):
    db.add("claims",
           claim("c1", "indirect", "120.00"),
           claim("c2", "indirect", "0.01", paid_at=None),       # paid, date not recorded
           claim("c3", "indirect", "0.00"),                     # nothing paid
           claim("c4", "indirect", None),
           claim("c5", "direct", "300.00"),                     # direct: not this rule
           claim("c6", "indirect", "50.00", paid_at="2026-11-21T00:00:00+08:00"))  # paid at "now": not yet
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("INDIRECT_DAMAGES_PAID")] == [
        ("c1", Decimal("120.00")), ("c2", Decimal("0.01"))]
