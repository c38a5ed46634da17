"""Planted cases of INVOICE_EXCEEDS_CONSUMED_CASH, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "INVOICE_EXCEEDS_CONSUMED_CASH"
ORDER = 50  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "200.00")
    p.use(a, T(8), 3000)
    i = p.invoice(a, T(7), "50.00")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("20.00"))
    b = p.account()
    p.topup(b, T(40), "200.00")
    p.use(b, T(8), 2000)
    p.use(b, T(7, 10, 0, 0), 1000)
    p.invoice(b, T(7, 10, 0, 0), "30.00")  # sees the call at its own instant: equal, not more
    p.near(
        "INVOICE_EXCEEDS_CONSUMED_CASH", "invoice equal to consumed cash incl. a call at issued_at"
    )
