"""TRIAL_FARMING (rules.md §2, §6): trials on >= 2 accounts of a cluster; all but the earliest."""

from decimal import Decimal


def account(aid, phone):
    return {"account_id": aid, "updated_at": "2026-11-01T09:00:00+08:00",
            "registered_at": "2026-11-01T09:00:00+08:00", "account_type": "personal", "phone_hash": phone}


def trial(gid, aid, at, amount="20.00", kind="trial"):
    return {"grant_id": gid, "account_id": aid, "kind": kind, "amount": amount, "granted_at": at}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("TRIAL_FARMING")]


def test_every_trial_of_the_cluster_but_the_earliest_is_flagged(db):
    db.add("accounts", account("a1", "ph1"), account("a2", "ph1"), account("a3", "ph1"))
    db.add("grants",
           trial("g1", "a1", "2026-11-02T10:00:00+08:00"),            # earliest: kept
           trial("g0", "a2", "2026-11-02T10:00:00+08:00", "15.00"),   # same instant, g0 < g1: earliest
           trial("g3", "a1", "2026-11-05T10:00:00+08:00", "5.50"),    # a1's second trial: flagged too
           trial("g4", "a3", "2026-11-06T10:00:00+08:00", "25.00"),
           trial("d1", "a3", "2026-11-06T10:00:00+08:00", "9.00", kind="discount"))
    # earliest by (granted_at, grant_id) is g0; g1 20.00, g3 5.50, g4 25.00 flagged
    assert flagged(db) == [("g1", Decimal("20.00")), ("g3", Decimal("5.50")), ("g4", Decimal("25.00"))]


def test_several_trials_on_one_account_alone_are_not_farming(db):
    # only one account of the cluster ever got trials: the rule needs two distinct accounts
    db.add("accounts", account("a1", "ph1"), account("a2", "ph1"))
    db.add("grants", trial("g1", "a1", "2026-11-02T10:00:00+08:00"),
           trial("g2", "a1", "2026-11-04T10:00:00+08:00"),
           trial("g3", "b9", "2026-11-04T10:00:00+08:00"))   # an unrelated account
    assert flagged(db) == []
