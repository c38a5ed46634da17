"""MULTI_ACCOUNT_CLUSTER (rules.md §2, §3): every account of a cluster of 3 or more."""

from decimal import Decimal


def account(aid, **ids):
    return {"account_id": aid, "updated_at": "2026-11-01T09:00:00+08:00",
            "registered_at": "2026-11-01T09:00:00+08:00", "account_type": "personal", **ids}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("MULTI_ACCOUNT_CLUSTER")]


def test_every_account_of_a_three_account_chain_is_flagged(db):
    # a1-a2 share a phone, a2-a3 a device: one cluster of 3 although a1 and a3 share nothing
    db.add("accounts", account("a1", phone_hash="ph1"), account("a2", phone_hash="ph1", device_id="dv1"),
           account("a3", device_id="dv1"),
           # b1-b2: a cluster of 2, below the minimum of 3
           account("b1", email="x@example.com"), account("b2", email="x+promo@example.com"))
    assert flagged(db) == [("a1", Decimal("0.00")), ("a2", Decimal("0.00")), ("a3", Decimal("0.00"))]


def test_a_shared_payer_instrument_even_on_a_failed_topup_joins_the_cluster(db):
    db.add("accounts", account("a1", phone_hash="ph1"), account("a2", phone_hash="ph1"), account("a3"))
    db.add("topups", *[{"topup_id": t, "account_id": a, "paid_at": "2026-11-02T10:00:00+08:00",
                        "amount": "10.00", "method": "card", "payer_ref_hash": "card9", "status": s}
                       for t, a, s in [("t1", "a1", "succeeded"), ("t3", "a3", "failed")]])
    rows = db.rule("MULTI_ACCOUNT_CLUSTER")
    assert [r["subject_id"] for r in rows] == ["a1", "a2", "a3"]
    assert '"cluster_size":3' in rows[2]["evidence"] and '"signal":"payer_ref_hash"' in rows[2]["evidence"]
