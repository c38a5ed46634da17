"""Planted cases of TOPUP_BY_UNVERIFIED_ACCOUNT, with the near misses that must not be flagged."""

from __future__ import annotations

import datetime as dt

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "TOPUP_BY_UNVERIFIED_ACCOUNT"
ORDER = 150  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(20), verified=None, id_doc_hash=None, birth_date=None)
    t = p.topup(a, T(18), "80.00", payer_id=None)
    idn = a.ident
    p.version(
        a,
        T(15),
        real_name_verified_at=T(15),
        id_doc_hash=idn["id_doc_hash"],
        birth_date=dt.date(1990, 5, 5),
    )
    E("TOPUP_BY_UNVERIFIED_ACCOUNT", t, m("80.00"))
    b = p.account(T(20), verified=None, id_doc_hash=None, birth_date=None)
    p.topup(b, T(18), "80.00", payer_id=None)
    p.version(
        b,
        T(15),
        real_name_verified_at=T(19),
        id_doc_hash=b.ident["id_doc_hash"],
        birth_date=dt.date(1991, 6, 6),
    )  # verified before paying, recorded later
    c = p.account(T(20), verified=T(18))
    p.topup(c, T(18), "80.00")  # paid exactly at verification
    p.near(
        "TOPUP_BY_UNVERIFIED_ACCOUNT",
        "verification recorded in a later version; paid at verified_at",
    )
