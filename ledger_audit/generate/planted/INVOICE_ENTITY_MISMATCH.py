"""Planted cases of INVOICE_ENTITY_MISMATCH, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "INVOICE_ENTITY_MISMATCH"
ORDER = 60  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(type="enterprise")
    p.topup(a, T(40), "500.00")
    p.use(a, T(9), 10000)
    other_tax = "91" + "F0E1D2C3B4A59687"
    i = p.invoice(a, T(8), "80.00", title="enterprise", buyer_tax_id=other_tax)
    E("INVOICE_ENTITY_MISMATCH", i, m("80.00"))
    b = p.account(type="enterprise")
    p.topup(b, T(40), "500.00")
    p.use(b, T(9), 10000)
    p.invoice(b, T(8), "80.00", title="enterprise", buyer_tax_id=b.ident["enterprise_tax_id"])
    p.near("INVOICE_ENTITY_MISMATCH", "enterprise title with the account's own tax id")
