"""Planted cases of STRUCTURED_TOPUPS, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "STRUCTURED_TOPUPS"
ORDER = 280  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    for hh_day in ((9, 8), (9, 11), (9, 14), (9, 17), (8, 3)):
        t = p.topup(a, T(hh_day[0], hh_day[1]), "4500.00", method="bank_transfer")
        E("STRUCTURED_TOPUPS", t, m("4500.00"))
    b = p.account()
    for h in (8, 10, 12, 14):
        p.topup(b, T(9, h), "6000.00")
    c = p.account()
    for h in (8, 10, 12, 14, 16):
        p.topup(c, T(9, h), "3999.99")
    d = p.account()
    for k, h in ((9, 8), (9, 14), (9, 20), (8, 2), (8, 8)):  # first to fifth exactly 24 h
        p.topup(d, T(k, h), "4500.00")
    e = p.account()
    for h in (8, 10, 12, 14):
        p.topup(e, T(9, h), "4500.00")
    p.topup(e, T(9, 16), "12000.00")
    p.near(
        "STRUCTURED_TOPUPS",
        "4 top-ups; total 19,999.95; spread exactly 24 h; one of 12,000 not counted",
    )
