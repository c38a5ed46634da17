"""STRUCTURED_TOPUPS (rules.md §2, §6 "Windows"): >= 5 top-ups < 10,000 summing >= 20,000 in 24 h."""

from decimal import Decimal


def topup(tid, paid_at, amount, aid="a1", status="succeeded"):
    return {"topup_id": tid, "account_id": aid, "paid_at": paid_at, "amount": amount, "method": "card",
            "payer_ref_hash": "p1", "status": status}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("STRUCTURED_TOPUPS")]


def test_five_topups_below_10000_totalling_20000_in_24_hours_are_each_flagged(db):
    db.add("topups",
           topup("t1", "2026-11-10T10:00:00+08:00", "4000.00"),
           topup("t2", "2026-11-10T14:00:00+08:00", "4000.00"),
           topup("t3", "2026-11-10T18:00:00+08:00", "4000.00"),
           topup("t4", "2026-11-10T22:00:00+08:00", "4000.00"),
           topup("t5", "2026-11-11T09:59:59+08:00", "4000.00"),   # t1 + 24 h - 1 s: total 20,000.00
           topup("t6", "2026-11-11T12:00:00+08:00", "3000.00"),   # in window from t2: 19,000 -> no
           topup("tb", "2026-11-10T12:00:00+08:00", "10000.00"),  # not below the limit: ignored
           topup("tf", "2026-11-10T13:00:00+08:00", "9000.00", status="failed"))
    assert flagged(db) == [(t, Decimal("4000.00")) for t in ("t1", "t2", "t3", "t4", "t5")]


def test_four_structured_topups_or_fifth_at_24_hours_are_not_flagged(db):
    db.add("topups",
           # four top-ups of 9,999.99 = 39,999.96 but only 4 of them
           *[topup(f"a{i}", f"2026-11-10T1{i}:00:00+08:00", "9999.99", aid="a1") for i in range(4)],
           # b: five of 4,000 but the fifth at exactly t1 + 24 h
           topup("b1", "2026-11-10T10:00:00+08:00", "4000.00", aid="b"),
           topup("b2", "2026-11-10T14:00:00+08:00", "4000.00", aid="b"),
           topup("b3", "2026-11-10T18:00:00+08:00", "4000.00", aid="b"),
           topup("b4", "2026-11-10T22:00:00+08:00", "4000.00", aid="b"),
           topup("b5", "2026-11-11T10:00:00+08:00", "4000.00", aid="b"),
           # c: five in 24 h but 19,999.99 together
           *[topup(f"c{i}", f"2026-11-12T1{i}:00:00+08:00", "4000.00" if i else "3999.99", aid="c")
             for i in range(5)])
    assert flagged(db) == []
