"""Planted cases of RATING_MISMATCH, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import PLANTED_MODEL, Planter, m

RULE_ID = "RATING_MISMATCH"
ORDER = 10  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(60), "100.00")
    p.use(a, T(3, 10), 150, charge_delta=m("0.01"))  # charged 1.51, re-rates to 1.50
    E("RATING_MISMATCH", f"{a.account_id}|{PLANTED_MODEL}|{p.day(T(3))}", m("0.01"))
    b = p.account()
    p.topup(b, T(60), "100.00")
    # exactly at the glm-4-plus price cut: 1,000 + 1,000 tokens at the new 0.005/1k = 0.01
    p.use(b, T(12, 0, 0, 0), model="glm-4-plus", in_tok=1000, out_tok=1000)
    # 25 tokens x 0.0001/1k = 0.0000025 -> half-even 0.000002 (half-up would say 0.000003)
    p.use(b, T(11, 15), model="glm-4-flash", in_tok=25, out_tok=0)
    p.near("RATING_MISMATCH", "call exactly at a price change, and a half-even rounding tie")
