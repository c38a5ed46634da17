"""Planted cases of TRIAL_FARMING, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "TRIAL_FARMING"
ORDER = 180  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(25, 9))
    p.grant(a, "trial", "10.00", T(25, 9, 5), promotion_id="P-WELCOME")
    b = p.account(T(20, 9), phone_hash=a.ident["phone_hash"])
    g = p.grant(b, "trial", "10.00", T(20, 9, 5), promotion_id="P-WELCOME")
    E("TRIAL_FARMING", g, m("10.00"))
    c = p.account(T(25, 9))
    p.grant(c, "trial", "10.00", T(25, 9, 5), promotion_id="P-WELCOME")
    p.grant(c, "trial", "5.00", T(10, 9, 5), promotion_id="P-WELCOME")
    p.account(T(20, 9), device_id=c.ident["device_id"])
    p.near("TRIAL_FARMING", "two trials on one account of a two-account cluster")
