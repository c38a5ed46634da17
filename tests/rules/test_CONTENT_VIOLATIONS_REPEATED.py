"""CONTENT_VIOLATIONS_REPEATED (rules.md §2, §6 "Windows"): >= 3 labelled rows in some [s, s+7d)."""

from decimal import Decimal


def call(rid, at, label, aid="a1"):
    return {"request_id": rid, "account_id": aid, "api_key_id": "k1", "model": "glm-4", "started_at": at,
            "input_tokens": 0, "output_tokens": 0, "amount": "0.01", "cash_amount": "0.01",
            "trial_amount": "0", "discount_amount": "0", "moderation_label": label}


def test_three_labelled_calls_within_seven_days_flag_the_account(db):
    db.add("usage",
           call("r1", "2026-11-01T10:00:00+08:00", "violence"),
           call("r2", "2026-11-04T10:00:00+08:00", None),             # unlabelled: not counted
           call("r3", "2026-11-05T10:00:00+08:00", "porn"),
           call("r4", "2026-11-08T09:59:59+08:00", "violence"),       # 6 d 23:59:59 after r1
           call("b1", "2026-11-10T10:00:00+08:00", "fraud", aid="b1"),
           call("b2", "2026-11-12T10:00:00+08:00", "fraud", aid="b1"),
           call("b3", "2026-11-16T09:00:00+08:00", "fraud", aid="b1"),
           call("b4", "2026-11-16T11:00:00+08:00", "fraud", aid="b1"))
    rows = db.rule("CONTENT_VIOLATIONS_REPEATED")
    assert [(r["subject_id"], r["amount_at_stake"]) for r in rows] == [
        ("a1", Decimal("0.00")), ("b1", Decimal("0.00"))]
    # a1 reached 3 at r4; b1 at b3 (window from b1 holds b1, b2, b3)
    assert [r["occurred_at"].isoformat() for r in rows] == [
        "2026-11-08T01:59:59+00:00", "2026-11-16T01:00:00+00:00"]
    # every labelled row in a qualifying window is listed: b4 is in the window from b2
    assert all(f'"{rid}"' in rows[1]["evidence"] for rid in ("b1", "b2", "b3", "b4"))


def test_third_labelled_call_at_exactly_seven_days_is_outside_the_window(db):
    db.add("usage",
           call("r1", "2026-11-01T10:00:00+08:00", "violence"),
           call("r2", "2026-11-05T10:00:00+08:00", "violence"),
           call("r3", "2026-11-08T10:00:00+08:00", "violence"),       # r1 + 7 d: outside [s, s+7d)
           call("r4", "2026-11-15T10:00:00+08:00", "violence"))       # r2 + 10 d
    assert db.rule("CONTENT_VIOLATIONS_REPEATED") == []
