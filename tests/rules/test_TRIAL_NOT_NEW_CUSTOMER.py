"""TRIAL_NOT_NEW_CUSTOMER (rules.md §2): a trial more than 30 days after registered_at."""

from decimal import Decimal


def versions(aid):
    # registered 2026-10-01 10:00 (+08); a later version's registered_at does not move it
    return [{"account_id": aid, "updated_at": "2026-10-01T10:00:00+08:00",
             "registered_at": "2026-10-01T10:00:00+08:00", "account_type": "personal"},
            {"account_id": aid, "updated_at": "2026-11-05T10:00:00+08:00",
             "registered_at": "2026-11-05T10:00:00+08:00", "account_type": "personal"}]


def trial(gid, at, amount, kind="trial"):
    return {"grant_id": gid, "account_id": "a1", "kind": kind, "amount": amount, "granted_at": at}


def test_trials_after_30_days_are_flagged_and_one_at_exactly_30_days_is_not(db):
    db.add("accounts", *versions("a1"))
    db.add("grants",
           trial("g1", "2026-10-31T10:00:00+08:00", "20.00"),   # exactly 30 days: not "more than"
           trial("g2", "2026-10-31T10:00:01+08:00", "18.00"),   # 30 days and 1 s
           trial("g3", "2026-11-10T10:00:00+08:00", "7.25"),
           trial("g4", "2026-11-10T10:00:00+08:00", "50.00", kind="discount"))
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("TRIAL_NOT_NEW_CUSTOMER")] == [
        ("g2", Decimal("18.00")), ("g3", Decimal("7.25"))]
