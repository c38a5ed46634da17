"""REREGISTRATION_AFTER_TERMINATION (rules.md §2, §6 "Intervals")."""

from decimal import Decimal


def account(aid, registered_at, phone):
    return {"account_id": aid, "updated_at": registered_at, "registered_at": registered_at,
            "account_type": "personal", "phone_hash": phone}


def action(xid, aid, at, kind, reason="other"):
    return {"action_id": xid, "account_id": aid, "at": at, "action": kind, "reason": reason}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("REREGISTRATION_AFTER_TERMINATION")]


def test_accounts_registered_by_the_same_person_after_a_terminate_are_flagged(db):
    db.add("accounts",
           account("a1", "2026-10-01T10:00:00+08:00", "ph1"),
           account("a2", "2026-11-02T10:00:00+08:00", "ph1"),     # after a1's terminate
           account("a3", "2026-11-15T10:00:00+08:00", "ph1"))     # still terminated (no reinstate)
    db.add("account_actions", action("x1", "a1", "2026-11-01T10:00:00+08:00", "terminate"))
    assert flagged(db) == [("a2", Decimal("0.00")), ("a3", Decimal("0.00"))]


def test_a_close_instead_of_a_terminate_is_not_flagged(db):
    db.add("accounts", account("a1", "2026-10-01T10:00:00+08:00", "ph1"),
           account("a2", "2026-11-02T10:00:00+08:00", "ph1"))
    db.add("account_actions", action("x1", "a1", "2026-11-01T10:00:00+08:00", "close", "user_request"))
    assert flagged(db) == []


def test_registration_before_the_terminate_or_after_the_reinstate_is_not_flagged(db):
    db.add("accounts",
           account("a1", "2026-10-01T10:00:00+08:00", "ph1"),
           account("a0", "2026-10-20T10:00:00+08:00", "ph1"),     # before the terminate
           account("a2", "2026-11-05T10:00:00+08:00", "ph1"),     # at the reinstate instant: ended
           account("a3", "2026-11-04T10:00:00+08:00", "ph1"),     # inside [terminate, reinstate)
           account("z1", "2026-11-04T10:00:00+08:00", "ph9"))     # another person
    db.add("account_actions", action("x1", "a1", "2026-11-01T10:00:00+08:00", "terminate"),
           action("x2", "a1", "2026-11-05T10:00:00+08:00", "reinstate"))
    assert flagged(db) == [("a3", Decimal("0.00"))]
