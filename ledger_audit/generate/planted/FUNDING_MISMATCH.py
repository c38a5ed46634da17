"""Planted cases of FUNDING_MISMATCH, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "FUNDING_MISMATCH"
ORDER = 20  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(60), "100.00")
    r = p.use(a, T(4, 10), 100)
    p.overrides[r] = {"cash": 0, "trial": 0, "discount": m("1.00"), "unpaid": 0}
    E("FUNDING_MISMATCH", f"{a.account_id}|{p.day(T(4))}", m("1.00"))
    b = p.account(T(20, 9))
    p.grant(b, "trial", "1.00", T(20, 9, 20), promotion_id="P-WELCOME")
    p.topup(b, T(20, 9, 30), "50.00")
    r1 = p.use(b, T(4, 9), 100)  # recomputed: trial 1.00
    r2 = p.use(b, T(4, 11), 200)  # recomputed: cash 2.00
    p.overrides[r1] = {"cash": m("1.00"), "trial": 0, "discount": 0, "unpaid": 0}
    p.overrides[r2] = {"cash": m("1.00"), "trial": m("1.00"), "discount": 0, "unpaid": 0}
    p.near("FUNDING_MISMATCH", "parts swapped between two calls of one day; daily sums agree")
