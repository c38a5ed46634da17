"""Planted cases of INDIRECT_DAMAGES_PAID, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "INDIRECT_DAMAGES_PAID"
ORDER = 320  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "1000.00")
    p.use(a, T(20), 20000)
    c = p.claim(a, T(10), "platform_fault", "indirect", "150.00", "40.00")
    E("INDIRECT_DAMAGES_PAID", c, m("40.00"))
    b = p.account()
    p.topup(b, T(40), "1000.00")
    p.use(b, T(20), 1000)
    p.claim(b, T(10), "platform_fault", "indirect", "150.00", "0.00")
    p.near("INDIRECT_DAMAGES_PAID", "indirect claim paid 0.00")
