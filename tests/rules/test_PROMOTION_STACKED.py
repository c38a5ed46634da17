"""PROMOTION_STACKED (rules.md §2): >= 2 promotions on a top-up, one of them not stackable."""

from decimal import Decimal


def promo(pid, stackable):
    return {"promotion_id": pid, "kind": "topup_discount", "stackable": stackable,
            "new_customers_only": False}


def topup(tid, promotion_ids, status="succeeded"):
    return {"topup_id": tid, "account_id": "a1", "paid_at": "2026-11-10T10:00:00+08:00",
            "amount": "500.00", "method": "alipay", "payer_ref_hash": "p1", "status": status,
            "promotion_ids": promotion_ids}


def discount(gid, tid, amount, promotion_id=None):
    return {"grant_id": gid, "account_id": "a1", "kind": "discount", "amount": amount,
            "granted_at": "2026-11-10T10:00:00+08:00", "topup_id": tid, "promotion_id": promotion_id}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("PROMOTION_STACKED")]


def test_stacked_promotions_are_flagged_with_all_discounts_linked_to_the_topup(db):
    db.add("promotions", promo("S1", True), promo("S2", True), promo("N1", False))
    db.add("topups",
           topup("t1", "S1;N1"),            # N1 not stackable
           topup("t2", " S1 ; X9 "),        # X9 unknown: not expressly stackable
           topup("t3", "S1;S2"),            # a stackable pair: allowed
           topup("t4", "N1;N1"),            # one promotion written twice
           topup("t5", "S1;N1", status="failed"))
    db.add("grants", discount("d1", "t1", "30.00", "S1"), discount("d2", "t1", "20.50", "N1"),
           discount("d3", "t3", "40.00", "S1"))
    # t1: 30.00 + 20.50 = 50.50; t2: no discount granted -> 0.00
    assert flagged(db) == [("t1", Decimal("50.50")), ("t2", Decimal("0.00"))]
