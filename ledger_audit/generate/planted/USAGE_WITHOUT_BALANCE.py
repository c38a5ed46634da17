"""Planted cases of USAGE_WITHOUT_BALANCE, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "USAGE_WITHOUT_BALANCE"
ORDER = 40  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(6, 8), "10.00")
    p.use(a, T(5, 10), 600)
    p.use(a, T(5, 11), 550)  # 4.00 cash, 1.50 uncovered
    p.use(a, T(5, 12), 25)  # 0.25 uncovered
    E("USAGE_WITHOUT_BALANCE", f"{a.account_id}|{p.day(T(5))}", m("1.75"))
    b = p.account()
    p.topup(b, T(5, 8), "10.00")
    p.use(b, T(5, 9), 400)
    p.use(b, T(5, 10), 600)  # balance exactly used up
    p.topup(b, T(5, 12), "5.00")
    p.use(b, T(5, 12), 500)  # same instant as the credit: credits come first
    p.near(
        "USAGE_WITHOUT_BALANCE", "balance used to the fen; a call at the same instant as its top-up"
    )
