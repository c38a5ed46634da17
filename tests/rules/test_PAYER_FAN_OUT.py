"""PAYER_FAN_OUT (rules.md §2, §6 "Windows"): one payer, >= 5 accounts within some [s, s+30d)."""

from decimal import Decimal


def topup(tid, aid, paid_at, amount="10.00", payer="card1", status="succeeded"):
    return {"topup_id": tid, "account_id": aid, "paid_at": paid_at, "amount": amount, "method": "card",
            "payer_ref_hash": payer, "status": status}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("PAYER_FAN_OUT")]


def test_every_topup_inside_a_window_reaching_five_accounts_is_flagged(db):
    db.add("topups",
           topup("t0", "a0", "2026-09-01T10:00:00+08:00", "99.00"),   # long before: no window
           topup("t1", "a1", "2026-10-01T10:00:00+08:00", "11.00"),
           topup("t2", "a2", "2026-10-05T10:00:00+08:00", "12.00"),
           topup("t3", "a2", "2026-10-06T10:00:00+08:00", "13.00"),   # a2 again: still 2 accounts
           topup("t4", "a3", "2026-10-10T10:00:00+08:00", "14.00"),
           topup("t5", "a4", "2026-10-20T10:00:00+08:00", "15.00"),
           topup("t6", "a5", "2026-10-31T09:59:59+08:00", "16.00"),   # t1 + 30 d - 1 s: 5th account
           topup("t7", "a6", "2026-11-03T10:00:00+08:00", "17.00"),   # window from t2 has a2..a6
           topup("tf", "a7", "2026-10-15T10:00:00+08:00", "50.00", status="failed"))
    assert flagged(db) == [("t1", Decimal("11.00")), ("t2", Decimal("12.00")), ("t3", Decimal("13.00")),
                           ("t4", Decimal("14.00")), ("t5", Decimal("15.00")), ("t6", Decimal("16.00")),
                           ("t7", Decimal("17.00"))]


def test_fifth_account_at_exactly_30_days_and_four_accounts_are_not_flagged(db):
    db.add("topups",
           topup("t0", "a1", "2026-09-30T10:00:00+08:00"),          # a1 twice in the window from t0
           topup("t1", "a1", "2026-10-01T10:00:00+08:00"),
           topup("t2", "a2", "2026-10-05T10:00:00+08:00"),
           topup("t3", "a3", "2026-10-10T10:00:00+08:00"),
           topup("t4", "a4", "2026-10-20T10:00:00+08:00"),
           topup("t5", "a5", "2026-10-31T10:00:00+08:00"),            # t1 + 30 d: outside t1's window
           topup("u1", "b1", "2026-10-01T10:00:00+08:00", payer="card2"))
    # from t0: t0, t1, t2, t3, t4 = 5 top-ups but 4 accounts; from t1: a1..a4; from t2: a2..a5
    assert flagged(db) == []
