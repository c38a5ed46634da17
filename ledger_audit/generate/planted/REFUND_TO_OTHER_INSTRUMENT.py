"""Planted cases of REFUND_TO_OTHER_INSTRUMENT, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "REFUND_TO_OTHER_INSTRUMENT"
ORDER = 110  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    r = p.refund(a, t, "30.00", T(10), T(9), "approved", dest="pay_" + "9e9e9e9e9e9e9e9e")
    E("REFUND_TO_OTHER_INSTRUMENT", r, m("30.00"))
    b = p.account()
    t = p.topup(b, T(40), "100.00")
    p.refund(b, t, "30.00", T(10), T(9), "approved")
    p.refund(b, t, "10.00", T(8), T(7), "rejected", dest=None)
    p.near("REFUND_TO_OTHER_INSTRUMENT", "refund to the paying instrument; one without destination")
