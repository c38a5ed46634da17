"""Planted cases of MULTI_ACCOUNT_CLUSTER, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter

RULE_ID = "MULTI_ACCOUNT_CLUSTER"
ORDER = 170  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    E = p.expect
    a = p.account(email="zhou.mingyu+test@gmail.com")
    b = p.account(email="ZhouMingyu@googlemail.com")
    c = p.account(device_id=b.ident["device_id"])
    for x in (a, b, c):
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    d = p.account(email="sun.lihua@example.com")
    p.account(email="sunlihua@example.com")  # dots count outside gmail: not linked
    p.account(email="sun.lihua+work@example.com")  # +tag dropped: linked with d (pair only)
    del d
    p.near(
        "MULTI_ACCOUNT_CLUSTER", "gmail dots and +tags against another domain: a pair, not three"
    )
