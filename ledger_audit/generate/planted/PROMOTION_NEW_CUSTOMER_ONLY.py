"""Planted cases of PROMOTION_NEW_CUSTOMER_ONLY, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "PROMOTION_NEW_CUSTOMER_ONLY"
ORDER = 220  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(20), "200.00", promos="P-NEWBIE")
    p.grant(a, "discount", "20.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-NEWBIE")
    E("PROMOTION_NEW_CUSTOMER_ONLY", t, m("20.00"))
    b = p.account()
    p.topup(b, T(40), "100.00", status="failed")
    t = p.topup(b, T(20), "200.00", promos="P-NEWBIE")
    p.grant(b, "discount", "20.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-NEWBIE")
    p.near("PROMOTION_NEW_CUSTOMER_ONLY", "new-customer promotion after a failed top-up only")
