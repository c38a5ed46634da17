"""Planted cases of RAPID_TOPUP_REFUND, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "RAPID_TOPUP_REFUND"
ORDER = 290  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    t = p.topup(a, T(10, 10), "200.00")
    r = p.refund(a, t, "50.00", T(8, 10), T(7, 10), "rejected")
    E("RAPID_TOPUP_REFUND", r, m("50.00"))
    b = p.account()
    t = p.topup(b, T(12, 10), "200.00")
    r = p.refund(b, t, "150.00", T(9, 10), T(9, 12), "approved")  # exactly 72 h
    E("RAPID_TOPUP_REFUND", r, m("150.00"))
    c = p.account()
    t = p.topup(c, T(12, 10), "200.00")
    p.refund(c, t, "50.00", T(9, 10, 0, 1), T(8), "rejected")  # 72 h + 1 s
    d = p.account()
    t = p.topup(d, T(12, 10), "100.00")
    p.use(d, T(11, 10), 500)  # exactly 5 % consumed
    p.refund(d, t, "50.00", T(11, 12), T(10), "approved")
    p.near("RAPID_TOPUP_REFUND", "requested 72 h + 1 s after; exactly 5 % consumed")
