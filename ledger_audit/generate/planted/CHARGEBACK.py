"""Planted cases of CHARGEBACK, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "CHARGEBACK"
ORDER = 300  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(15), "60.00", chargeback_at=T(12))
    E("CHARGEBACK", t, m("60.00"))
    b = p.account()
    p.topup(b, T(15), "60.00", status="failed", chargeback_at=T(12))
    p.near("CHARGEBACK", "chargeback on a failed top-up")
