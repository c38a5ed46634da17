"""Planted cases of THIRD_PARTY_TOPUP, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "THIRD_PARTY_TOPUP"
ORDER = 260  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    t = p.topup(a, T(12), "150.00", payer_id="doc_" + "3d3d3d3d3d3d3d3d")
    E("THIRD_PARTY_TOPUP", t, m("150.00"))
    b = p.account(type="enterprise")
    p.topup(b, T(12), "150.00")  # paid by the enterprise itself (tax id)
    c = p.account()
    p.topup(c, T(12), "150.00")
    p.near("THIRD_PARTY_TOPUP", "enterprise paying under its tax id; person under own document")
