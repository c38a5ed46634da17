"""TOPUP_BY_MINOR (rules.md §2): age at paid_at < 18, succeeded top-ups only."""

from decimal import Decimal


def account(aid, birth_date):
    return {"account_id": aid, "updated_at": "2026-01-01T00:00:00+08:00",
            "registered_at": "2026-01-01T00:00:00+08:00", "account_type": "personal",
            "birth_date": birth_date}


def topup(tid, paid_at, amount, account_id="a1", status="succeeded"):
    return {"topup_id": tid, "account_id": account_id, "paid_at": paid_at, "amount": amount,
            "method": "alipay", "payer_ref_hash": "p1", "status": status}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("TOPUP_BY_MINOR")]


def test_topups_paid_before_the_18th_birthday_are_flagged_with_their_amount(db):
    db.add("accounts", account("a1", "2008-11-15"))
    db.add("topups",
           topup("t1", "2026-01-10T10:00:00+08:00", "50.00"),        # 17
           topup("t2", "2026-11-14T23:59:59+08:00", "12.34"),        # last second at 17
           topup("t3", "2026-11-15T00:00:00+08:00", "99.00"),        # 18th birthday: adult
           topup("t4", "2026-11-01T10:00:00+08:00", "70.00", status="failed"))
    assert flagged(db) == [("t1", Decimal("50.00")), ("t2", Decimal("12.34"))]


def test_birthday_is_taken_on_the_platform_date_not_utc(db):
    db.add("accounts", account("a1", "2008-11-15"))
    # 2026-11-14T16:00Z = 2026-11-15 00:00 Shanghai: 18 already
    db.add("topups", topup("t1", "2026-11-14T16:00:00Z", "10.00"))
    assert flagged(db) == []


def test_account_without_birth_date_is_not_evaluated(db):
    db.add("accounts", account("a1", None))
    db.add("topups", topup("t1", "2026-11-10T10:00:00+08:00", "10.00"))
    assert flagged(db) == []
