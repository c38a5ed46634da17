"""Planted cases of TOPUP_BY_MINOR, with the near misses that must not be flagged."""

from __future__ import annotations

import datetime as dt

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "TOPUP_BY_MINOR"
ORDER = 140  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    end = p.end
    T, E = p.T, p.expect
    reg_day = end - dt.timedelta(days=10)
    b = p.account(T(30), birth_date=dt.date(end.year - 17, 3, 15))
    t = p.topup(b, T(8), "50.00")
    E("TOPUP_BY_MINOR", t, m("50.00"))
    E(
        "MINOR_REGISTRATION", b.account_id
    )  # collateral: a minor at the top-up was one at registration
    # the near miss of both rules (of MINOR_REGISTRATION too: it comes after b in the id order):
    # registered and topped up on the 18th birthday, 00:30 and 00:45 local (16:30 UTC the day before)
    c = p.account(T(10, 0, 30), birth_date=dt.date(reg_day.year - 18, reg_day.month, reg_day.day))
    p.topup(c, T(10, 0, 45), "50.00")
    p.near("MINOR_REGISTRATION", "registered on the 18th birthday at 00:30 local")
    p.near("TOPUP_BY_MINOR", "top-up on the 18th birthday at 00:45 local")
