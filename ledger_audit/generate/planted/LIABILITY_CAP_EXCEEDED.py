"""Planted cases of LIABILITY_CAP_EXCEEDED, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "LIABILITY_CAP_EXCEEDED"
ORDER = 340  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.use(a, T(20), 3000)
    p.claim(a, T(15), "platform_fault", "direct", "20.00", "20.00")
    c = p.claim(a, T(10), "platform_fault", "direct", "15.00", "15.00")
    E("LIABILITY_CAP_EXCEEDED", c, m("5.00"))
    b = p.account(T(20, 9))
    p.grant(b, "trial", "10.00", T(20, 9, 5), promotion_id="P-WELCOME")
    p.topup(b, T(20, 10), "100.00")
    p.use(b, T(15), 3500)  # trial 10.00, cash 25.00: the cap (fees paid) is 25.00
    p.claim(b, T(12), "platform_fault", "direct", "15.00", "15.00")
    p.claim(b, T(10), "platform_fault", "direct", "10.00", "10.00")
    p.near("LIABILITY_CAP_EXCEEDED", "paid equal to the cash cap (the charged cap would be higher)")
