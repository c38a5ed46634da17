"""Planted cases of PROMOTION_STACKED, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "PROMOTION_STACKED"
ORDER = 210  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "200.00")
    t = p.topup(a, T(20), "500.00", promos="P-TOPUP5;P-CASHBACK")
    p.grant(a, "discount", "25.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-TOPUP5")
    p.grant(a, "discount", "10.00", T(20, 10, 0, 2), topup_id=t, promotion_id="P-CASHBACK")
    E("PROMOTION_STACKED", t, m("35.00"))
    b = p.account()
    t = p.topup(b, T(20), "500.00", promos="P-CASHBACK;P-COUPON")
    p.grant(b, "discount", "10.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-CASHBACK")
    p.grant(b, "discount", "5.00", T(20, 10, 0, 2), topup_id=t, promotion_id="P-COUPON")
    p.near("PROMOTION_STACKED", "two stackable promotions on one top-up")
