"""Planted cases of CONTENT_VIOLATIONS_REPEATED, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter

RULE_ID = "CONTENT_VIOLATIONS_REPEATED"
ORDER = 310  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(40), "50.00")
    for k in (15, 13, 10):
        p.use(a, T(k), 10, label="violence")
    E("CONTENT_VIOLATIONS_REPEATED", a.account_id)
    b = p.account()
    p.topup(b, T(40), "50.00")
    for k in (20, 17, 13):  # first and third exactly 7 days apart
        p.use(b, T(k), 10, label="pornography")
    p.near("CONTENT_VIOLATIONS_REPEATED", "three flagged calls spanning exactly 7 days")
