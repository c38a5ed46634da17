"""Planted cases of BALANCE_TRANSFER, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "BALANCE_TRANSFER"
ORDER = 120  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a, b = p.account(), p.account()
    p.topup(a, T(40), "500.00")
    p.topup(b, T(40), "50.00")
    j1 = p.adjustment(a, T(6), "transfer_out", "-50.00", counterparty=b)
    j2 = p.adjustment(b, T(6), "transfer_in", "50.00", counterparty=a)
    E("BALANCE_TRANSFER", j1, m("50.00"))
    E("BALANCE_TRANSFER", j2, m("50.00"))
    law = "(2026)京0105民初12345号 civil judgment"
    p.adjustment(a, T(5), "transfer_out", "-20.00", counterparty=b, legal_basis=law)
    p.adjustment(b, T(5), "transfer_in", "20.00", counterparty=a, legal_basis=law)
    p.adjustment(a, T(4), "goodwill", "5.00")
    p.near("BALANCE_TRANSFER", "transfer with a court ruling; goodwill without legal basis")
