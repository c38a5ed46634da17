"""Planted cases of REFUND_DUPLICATE, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "REFUND_DUPLICATE"
ORDER = 80  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(30), "100.00")
    p.refund(a, t, "30.00", T(20), T(19), "approved")
    r = p.refund(a, t, "20.00", T(15), T(14), "paid")
    E("REFUND_DUPLICATE", r, m("20.00"))
    b = p.account()
    t = p.topup(b, T(30), "100.00")
    p.refund(b, t, "60.00", T(20), T(19), "rejected")
    p.refund(b, t, "40.00", T(15), T(14), "approved")
    p.refund(b, t, "10.00", T(3), None, "requested")
    p.near("REFUND_DUPLICATE", "rejected then approved, and a pending request, of one top-up")
