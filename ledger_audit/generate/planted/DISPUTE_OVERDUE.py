"""Planted cases of DISPUTE_OVERDUE, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.common import DAY, HOUR
from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "DISPUTE_OVERDUE"
ORDER = 250  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account()
    p.topup(a, T(60), "200.00")
    t = p.topup(a, T(50), "300.00", payer_id=None)
    x = p.action(a, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.action(a, T(5), "unlock", "third_party_topup_dispute", topup_id=t)  # too late: no cure
    E("DISPUTE_OVERDUE", x, m("300.00"))
    b = p.account()
    t = p.topup(b, T(50), "300.00", payer_id=None)
    p.action(b, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.action(b, T(40) + 30 * DAY - HOUR, "unlock", "third_party_topup_dispute", topup_id=t)
    c = p.account()
    t = p.topup(c, T(50), "300.00", payer_id=None)
    p.action(c, T(20), "lock", "third_party_topup_dispute", topup_id=t)  # window still open
    d = p.account()
    t = p.topup(d, T(50), "300.00", payer_id=None)
    p.action(d, T(40), "lock", "third_party_topup_dispute", topup_id=t, evidence_at=T(35))
    e = p.account()
    t = p.topup(e, T(50), "300.00", payer_id=None)
    p.action(e, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.refund(e, t, "300.00", T(32), T(30), "paid")
    p.near("DISPUTE_OVERDUE", "unlock at 29 d 23 h; open window; evidence; refund within 30 days")
