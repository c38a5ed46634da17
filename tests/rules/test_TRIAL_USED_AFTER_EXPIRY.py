"""TRIAL_USED_AFTER_EXPIRY (rules.md §2): trial money spent while the recomputed live trial
balance was zero and a trial grant had already expired."""

import json
from decimal import Decimal


def trial(gid, account, amount, granted_at, expires_at):
    return {"grant_id": gid, "account_id": account, "kind": "trial", "amount": amount,
            "granted_at": granted_at, "expires_at": expires_at}


def call(rid, account, started_at, amount, trial_amount):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": "0", "trial_amount": trial_amount, "discount_amount": "0"}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("TRIAL_USED_AFTER_EXPIRY")]


def test_trial_used_at_and_after_the_expiry_instant_is_flagged(db):
    db.add("grants", trial("g1", "a1", "10.00", "2026-11-01T10:00:00+08:00", "2026-11-10T12:00:00+08:00"))
    # at exactly expires_at the expiry comes first: live trial 0, g1 expired -> flagged 2
    # an hour later -> flagged 1; the day's stake is 2 + 1 = 3.00
    db.add("usage", call("r1", "a1", "2026-11-10T12:00:00+08:00", "2.000000", "2.000000"),
           call("r2", "a1", "2026-11-10T13:00:00+08:00", "1.000000", "1.000000"))
    result = db.rule("TRIAL_USED_AFTER_EXPIRY")
    assert [(r["subject_id"], r["amount_at_stake"]) for r in result] == [("a1|2026-11-10", Decimal("3.00"))]
    ev = json.loads(result[0]["evidence"])
    assert ev["request_ids"] == ["r1", "r2"] and ev["expired_trial_grants"] == ["g1"]


def test_calls_at_one_instant_drain_the_live_trial_in_request_id_order(db):
    db.add("grants",
           trial("g2", "a2", "5.00", "2026-11-01T10:00:00+08:00", "2026-11-05T10:00:00+08:00"),
           trial("g3", "a2", "4.00", "2026-11-08T10:00:00+08:00", "2026-11-30T10:00:00+08:00"))
    # g2 expired on 11-05; g3 leaves a live trial of 4 on 11-09.
    # c1 3 -> live 4 before: fine, 1 left. r2 and r3 at one instant, r2 first by request_id:
    # before r2 live 1: fine; before r3 live 0: flagged 2. (r3 first would flag r2's 1 instead.)
    db.add("usage", call("c1", "a2", "2026-11-09T09:00:00+08:00", "3.000000", "3.000000"),
           call("r3", "a2", "2026-11-09T10:00:00+08:00", "2.000000", "2.000000"),
           call("r2", "a2", "2026-11-09T10:00:00+08:00", "1.000000", "1.000000"))
    assert stakes(db) == [("a2|2026-11-09", Decimal("2.00"))]


def test_trial_used_one_microsecond_before_expiry_or_from_a_live_grant_is_not_flagged(db):
    db.add("grants",
           trial("g4", "a4", "10.00", "2026-11-01T10:00:00+08:00", "2026-11-10T12:00:00+08:00"),
           # a3: an expired grant and a live one: the live balance is not zero
           trial("g5", "a3", "1.00", "2026-11-01T10:00:00+08:00", "2026-11-02T10:00:00+08:00"),
           trial("g6", "a3", "5.00", "2026-11-03T10:00:00+08:00", "2026-11-30T10:00:00+08:00"))
    db.add("usage", call("r1", "a4", "2026-11-10T11:59:59.999999+08:00", "2.000000", "2.000000"),
           # live 5 before: exactly drains it, still not flagged
           call("r2", "a3", "2026-11-09T10:00:00+08:00", "5.000000", "5.000000"),
           # a5 never had a trial grant: the platform's trial use is a FUNDING_MISMATCH, not this
           call("r3", "a5", "2026-11-09T10:00:00+08:00", "1.000000", "1.000000"))
    assert stakes(db) == []
