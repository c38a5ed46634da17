"""Planted cases of USAGE_WHILE_SUSPENDED, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "USAGE_WHILE_SUSPENDED"
ORDER = 230  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.use(a, T(6, 9, 59, 59), 50)
    p.action(a, T(6, 10), "lock", "content_violation")
    p.use(a, T(6, 10, 0, 0), 100)  # at the lock's instant: inside [lock, unlock)
    p.use(a, T(6, 12), 200)
    p.action(a, T(6, 14), "unlock", "content_violation")
    p.use(a, T(6, 14, 0, 0), 300)  # at the unlock's instant: outside
    E("USAGE_WHILE_SUSPENDED", f"{a.account_id}|{p.day(T(6))}", m("3.00"))
    p.near("USAGE_WHILE_SUSPENDED", "calls one second before the lock and exactly at the unlock")
