"""PROMOTION_NEW_CUSTOMER_ONLY (rules.md §2): new-customer promotion after the cluster paid before."""

from decimal import Decimal


def account(aid, email):
    return {"account_id": aid, "updated_at": "2026-11-01T09:00:00+08:00",
            "registered_at": "2026-11-01T09:00:00+08:00", "account_type": "personal", "email": email}


def topup(tid, aid, paid_at, promotion_ids=None, status="succeeded", payer="p-" ):
    return {"topup_id": tid, "account_id": aid, "paid_at": paid_at, "amount": "100.00",
            "method": "alipay", "payer_ref_hash": payer + tid, "status": status,
            "promotion_ids": promotion_ids}


def discount(gid, tid, aid, amount, promotion_id):
    return {"grant_id": gid, "account_id": aid, "kind": "discount", "amount": amount,
            "granted_at": "2026-11-10T10:00:00+08:00", "topup_id": tid, "promotion_id": promotion_id}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("PROMOTION_NEW_CUSTOMER_ONLY")]


def test_new_customer_promotion_after_an_earlier_topup_of_the_cluster_is_flagged(db):
    db.add("promotions",
           {"promotion_id": "NEW", "kind": "topup_discount", "stackable": False, "new_customers_only": True},
           {"promotion_id": "ALL", "kind": "coupon", "stackable": True, "new_customers_only": False})
    # a1 and a2 are one person: j.o.e+x@gmail.com and joe@googlemail.com normalise alike
    db.add("accounts", account("a1", "j.o.e+x@gmail.com"), account("a2", "joe@googlemail.com"),
           account("b1", "bob@example.com"))
    db.add("topups",
           topup("t1", "a1", "2026-11-02T10:00:00+08:00"),                  # the cluster's first
           topup("t2", "a2", "2026-11-05T10:00:00+08:00", "NEW;ALL"),      # other account, later
           topup("t3", "a1", "2026-11-06T10:00:00+08:00", "NEW"),          # same account, later
           topup("t4", "b1", "2026-11-06T10:00:00+08:00", "NEW"),          # b1's first: fine
           topup("t0", "b1", "2026-11-01T10:00:00+08:00", status="failed"))  # failed: not "had"
    db.add("grants",
           discount("d1", "t2", "a2", "15.00", "NEW"),
           discount("d2", "t2", "a2", "4.00", "ALL"),      # another promotion's: not this rule's
           discount("d3", "t3", "a1", "12.30", None),      # unattributed: counted
           discount("d4", "t4", "b1", "15.00", "NEW"))
    assert flagged(db) == [("t2", Decimal("15.00")), ("t3", Decimal("12.30"))]


def test_topup_at_the_same_instant_as_the_first_is_not_after_it(db):
    db.add("promotions",
           {"promotion_id": "NEW", "kind": "topup_discount", "stackable": False, "new_customers_only": True})
    db.add("topups", topup("t1", "a1", "2026-11-02T10:00:00+08:00"),
           topup("t2", "a1", "2026-11-02T10:00:00+08:00", "NEW"))
    assert flagged(db) == []
