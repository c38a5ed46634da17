"""Planted cases of EXEMPT_CAUSE_PAID, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "EXEMPT_CAUSE_PAID"
ORDER = 330  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "1000.00")
    p.use(a, T(20), 20000)
    c = p.claim(a, T(10), "maintenance", "direct", "50.00", "25.00")
    E("EXEMPT_CAUSE_PAID", c, m("25.00"))
    b = p.account()
    p.topup(b, T(40), "1000.00")
    p.use(b, T(20), 20000)
    p.claim(b, T(10), "force_majeure", "direct", "50.00", None)
    p.claim(b, T(9), "platform_fault", "direct", "50.00", "25.00")
    p.near("EXEMPT_CAUSE_PAID", "force majeure unpaid; platform fault paid")
