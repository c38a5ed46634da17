"""TOPUP_BY_UNVERIFIED_ACCOUNT (rules.md §2, §6): no version verified at or before paid_at."""

from decimal import Decimal


def version(aid, updated_at, verified_at=None):
    return {"account_id": aid, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": "personal", "real_name_verified_at": verified_at}


def topup(tid, paid_at, amount, account_id="a1", status="succeeded"):
    return {"topup_id": tid, "account_id": account_id, "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": status}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("TOPUP_BY_UNVERIFIED_ACCOUNT")]


def test_topups_before_verification_are_flagged_and_at_the_instant_are_not(db):
    db.add("accounts", version("a1", "2026-11-01T09:00:00+08:00"),
           version("a1", "2026-11-10T10:00:00+08:00", verified_at="2026-11-10T10:00:00+08:00"))
    db.add("topups",
           topup("t1", "2026-11-02T10:00:00+08:00", "100.00"),
           topup("t2", "2026-11-10T09:59:59+08:00", "20.50"),
           topup("t3", "2026-11-10T10:00:00+08:00", "30.00"),     # verified_at <= paid_at: fine
           topup("t4", "2026-11-03T10:00:00+08:00", "5.00", status="failed"))
    assert flagged(db) == [("t1", Decimal("100.00")), ("t2", Decimal("20.50"))]


def test_verification_counts_from_the_earliest_of_any_version_even_one_recorded_later(db):
    # v2, recorded on 11-15, says the holder was verified on 11-05: a top-up on 11-06 is fine
    db.add("accounts", version("a1", "2026-11-01T09:00:00+08:00"),
           version("a1", "2026-11-15T10:00:00+08:00", verified_at="2026-11-05T10:00:00+08:00"))
    db.add("topups", topup("t1", "2026-11-06T10:00:00+08:00", "40.00"))
    assert flagged(db) == []


def test_unknown_account_and_verification_after_now_are_flagged(db):
    # "now" = 2026-11-21T00:00+08:00; a verification stamped then has not happened yet
    db.add("accounts", version("a1", "2026-11-01T09:00:00+08:00", verified_at="2026-11-21T00:00:00+08:00"))
    db.add("topups", topup("t1", "2026-11-06T10:00:00+08:00", "40.00"),
           topup("t2", "2026-11-06T10:00:00+08:00", "7.00", account_id="ghost"))
    assert flagged(db) == [("t1", Decimal("40.00")), ("t2", Decimal("7.00"))]
