"""Planted cases of REFUND_EXCEEDS_REFUNDABLE, with the near misses that must not be flagged."""

from __future__ import annotations

import datetime as dt

from ledger_audit.generate.common import local_us
from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "REFUND_EXCEEDS_REFUNDABLE"
ORDER = 90  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    end = p.end
    T, E = p.T, p.expect
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    p.use(a, T(20), 4000)
    r = p.refund(a, t, "80.00", T(10), T(9), "approved")
    E("REFUND_EXCEEDS_REFUNDABLE", r, m("20.00"))
    b = p.account()
    t = p.topup(b, T(40), "100.00", promos="P-TOPUP5")
    p.grant(b, "discount", "10.00", T(40, 10, 0, 1), topup_id=t, promotion_id="P-TOPUP5")
    p.use(b, T(20), 1500)  # discount 10.00, cash 5.00
    p.refund(b, t, "85.00", T(10), T(9), "approved")  # = 100 - 5 - 10: refund equal to refundable
    c = p.account()
    t = p.topup(c, T(40), "50.00")
    p.refund(
        c, t, "80.00", T(2), local_us(end + dt.timedelta(days=1)), "approved"
    )  # decided at "now"
    p.near(
        "REFUND_EXCEEDS_REFUNDABLE",
        "refund equal to refundable (with discount used); one decided at now",
    )
