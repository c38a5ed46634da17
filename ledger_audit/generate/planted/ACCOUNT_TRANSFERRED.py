"""Planted cases of ACCOUNT_TRANSFERRED, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "ACCOUNT_TRANSFERRED"
ORDER = 160  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
    a = p.account(T(100))
    p.topup(a, T(40), "300.00")
    p.use(a, T(20), 5000)
    p.use(a, T(15, 10, 0, 0), 700)  # at the change's instant: counts as consumed before it
    new1, new2 = p.fresh_identity(), p.fresh_identity()
    p.version(
        a,
        T(15),
        real_name=new1["real_name"],
        id_doc_hash=new1["id_doc_hash"],
        birth_date=new1["birth_date"],
        address=new1["address"],
    )
    p.use(a, T(10), 3000)
    p.version(
        a,
        T(5),
        real_name=new2["real_name"],
        id_doc_hash=new2["id_doc_hash"],
        birth_date=new2["birth_date"],
        address=new2["address"],
    )
    E("ACCOUNT_TRANSFERRED", a.account_id, m("243.00"))  # 300 - 50 - 7 at the first change only
    b = p.account(T(100), verified=None)
    nb = p.fresh_identity()
    p.version(
        b,
        T(15),
        real_name=nb["real_name"],
        id_doc_hash=nb["id_doc_hash"],
        birth_date=nb["birth_date"],
        real_name_verified_at=T(15),
    )  # verified at, not before
    c = p.account(T(100), id_doc_hash=None)
    p.version(c, T(15), id_doc_hash=c.ident["id_doc_hash"])  # first recording, not a change
    p.near("ACCOUNT_TRANSFERRED", "doc changes in the version that verifies; null to value")
