"""Planted cases of PAYER_FAN_OUT, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "PAYER_FAN_OUT"
ORDER = 270  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    fan = [p.account() for _ in range(5)]
    for x, k in zip(fan, (20, 18, 15, 10, 5)):
        t = p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa01", payer_id=None)
        E("PAYER_FAN_OUT", t, m("100.00"))
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)  # collateral: a shared instrument links them
    four = [p.account() for _ in range(4)]
    for x, k in zip(four, (20, 18, 15, 10)):
        p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa02", payer_id=None)
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    spread = [p.account() for _ in range(5)]
    for x, k in zip(spread, (35, 30, 25, 20, 5)):  # first and fifth exactly 30 days apart
        p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa03", payer_id=None)
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    p.near("PAYER_FAN_OUT", "four accounts; five accounts spanning exactly 30 days")
