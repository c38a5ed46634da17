"""Planted cases of MINOR_REGISTRATION. Its near miss, an account registered on the 18th birthday,
is planted with TOPUP_BY_MINOR's, since the same account tops up that day too."""

from __future__ import annotations

import datetime as dt

from ledger_audit.generate.planted.planter import Planter

RULE_ID = "MINOR_REGISTRATION"
ORDER = 130  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    end = p.end
    T, E = p.T, p.expect
    reg_day = end - dt.timedelta(days=10)
    a = p.account(T(10), birth_date=dt.date(reg_day.year - 17, 6, 1))
    E("MINOR_REGISTRATION", a.account_id)
