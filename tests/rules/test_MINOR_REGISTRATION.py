"""MINOR_REGISTRATION (rules.md §2): age at registration, in whole years on platform-zone dates."""

from decimal import Decimal


def account(aid, registered_at, birth_date, updated_at=None):
    return {"account_id": aid, "updated_at": updated_at or registered_at,
            "registered_at": registered_at, "account_type": "personal", "birth_date": birth_date}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("MINOR_REGISTRATION")]


def test_holders_under_18_on_the_registration_date_are_flagged_with_nothing_at_stake(db):
    db.add("accounts",
           # born 2008-11-21, registered 2026-11-20: the 18th birthday is tomorrow -> 17
           account("a1", "2026-11-20T10:00:00+08:00", "2008-11-21"),
           # born 2010-01-01, registered 2026-05-01 -> 16
           account("a2", "2026-05-01T10:00:00+08:00", "2010-01-01"))
    assert flagged(db) == [("a1", Decimal("0.00")), ("a2", Decimal("0.00"))]


def test_18th_birthday_on_the_registration_day_in_the_platform_zone_is_not_flagged(db):
    # 2026-11-19T16:30Z is 2026-11-20 00:30 in Asia/Shanghai: the 18th birthday (in UTC it
    # would still be the 19th, age 17)
    db.add("accounts", account("a1", "2026-11-19T16:30:00Z", "2008-11-20"))
    assert flagged(db) == []


def test_latest_known_birth_date_decides_and_registration_is_the_first_versions(db):
    db.add("accounts",
           # v1 said 1990 (adult); v2 corrected to 2009-06-01: at the first registration,
           # 2026-03-01, the holder was 16
           account("a1", "2026-03-01T10:00:00+08:00", "1990-01-01"),
           account("a1", "2026-03-01T10:00:00+08:00", "2009-06-01", updated_at="2026-06-01T10:00:00+08:00"),
           # later version without a birth date does not erase the known one
           account("a1", "2026-03-01T10:00:00+08:00", None, updated_at="2026-07-01T10:00:00+08:00"),
           # no birth date at all: not evaluated
           account("a2", "2026-03-01T10:00:00+08:00", None))
    assert flagged(db) == [("a1", Decimal("0.00"))]
