"""Planted cases of REFUND_OF_INVOICED_AMOUNT, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "REFUND_OF_INVOICED_AMOUNT"
ORDER = 100  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    p.use(a, T(20), 2000)
    i = p.invoice(a, T(15), "50.00")
    r = p.refund(a, t, "60.00", T(10), T(9), "approved")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("30.00"))  # collateral: over-invoicing is its premise
    E("REFUND_OF_INVOICED_AMOUNT", r, m("30.00"))  # refundable 80 - 30 = 50 < 60; min(60, 30)
    b = p.account()
    t = p.topup(b, T(40), "100.00")
    p.use(b, T(20), 2000)
    i = p.invoice(b, T(15), "50.00")
    p.refund(b, t, "50.00", T(10), T(9), "approved")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("30.00"))
    p.near(
        "REFUND_OF_INVOICED_AMOUNT", "refund equal to the account's refundable while over-invoiced"
    )
