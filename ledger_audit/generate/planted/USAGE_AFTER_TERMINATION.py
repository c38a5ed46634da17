"""Planted cases of USAGE_AFTER_TERMINATION, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "USAGE_AFTER_TERMINATION"
ORDER = 240  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.action(a, T(7), "close", "user_request")
    p.use(a, T(6), 400)
    p.action(a, T(5), "reinstate", "user_request")
    p.use(a, T(5, 10, 0, 0), 100)  # exactly at the reinstate
    E("USAGE_AFTER_TERMINATION", f"{a.account_id}|{p.day(T(6))}", m("4.00"))
    p.near("USAGE_AFTER_TERMINATION", "call exactly at the reinstate")
