"""Planted cases of REREGISTRATION_AFTER_TERMINATION, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter

RULE_ID = "REREGISTRATION_AFTER_TERMINATION"
ORDER = 200  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(300))
    p.action(a, T(20), "terminate", "improper_registration")
    b = p.account(T(10), phone_hash=a.ident["phone_hash"])
    E("REREGISTRATION_AFTER_TERMINATION", b.account_id)
    c = p.account(T(300))
    p.action(c, T(20), "close", "user_request")
    p.account(T(10), device_id=c.ident["device_id"])
    e = p.account(T(300))
    p.action(e, T(25), "terminate", "other")
    p.action(e, T(15), "reinstate", "other")
    p.account(T(10), device_id=e.ident["device_id"])
    p.near(
        "REREGISTRATION_AFTER_TERMINATION", "after a close; after a terminate undone by reinstate"
    )
