"""Planted cases of TRIAL_NOT_NEW_CUSTOMER, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "TRIAL_NOT_NEW_CUSTOMER"
ORDER = 190  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(45, 10))
    g = p.grant(a, "trial", "8.00", T(10, 10))
    E("TRIAL_NOT_NEW_CUSTOMER", g, m("8.00"))
    b = p.account(T(40, 10))
    p.grant(b, "trial", "8.00", T(10, 10))  # exactly 30 days after registration
    p.near("TRIAL_NOT_NEW_CUSTOMER", "trial exactly 30 days after registration")
