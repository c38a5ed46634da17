"""Planted cases of TRIAL_USED_AFTER_EXPIRY, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "TRIAL_USED_AFTER_EXPIRY"
ORDER = 30  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(34, 9))
    p.grant(a, "trial", "5.00", T(34, 9, 30), promotion_id="P-WELCOME")  # expires T(4, 9:30)
    p.topup(a, T(34, 10), "100.00")
    p.use(a, T(10, 10), 300)  # trial 3.00
    p.use(a, T(4, 9, 29, 59), 100)  # trial 1.00, one second before expiry
    p.use(a, T(4, 9, 30, 0), 50)  # exactly at expiry: cash
    r = p.use(a, T(3, 10), 200)
    p.overrides[r] = {"cash": 0, "trial": m("2.00"), "discount": 0, "unpaid": 0}
    E("TRIAL_USED_AFTER_EXPIRY", f"{a.account_id}|{p.day(T(3))}", m("2.00"))
    E("FUNDING_MISMATCH", f"{a.account_id}|{p.day(T(3))}", m("2.00"))
    p.near(
        "TRIAL_USED_AFTER_EXPIRY", "trial used one second before expiry; cash exactly at expires_at"
    )
