"""REFUND_EXCEEDS_REFUNDABLE (rules.md §2): a refund above refundable(T) just before it."""

from decimal import Decimal


def topup(tid, amount):
    return {"topup_id": tid, "account_id": "a1", "paid_at": "2026-11-01T10:00:00+08:00",
            "amount": amount, "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def call(rid, started_at, amount, account="a1"):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": amount, "trial_amount": "0", "discount_amount": "0"}


def refund(fid, topup_id, amount, decided_at, status="approved"):
    return {"refund_id": fid, "account_id": "a1", "topup_id": topup_id,
            "requested_at": "2026-11-01T12:00:00+08:00", "decided_at": decided_at,
            "status": status, "amount": amount}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("REFUND_EXCEEDS_REFUNDABLE")]


def test_refund_beyond_consumed_cash_and_used_discount_is_flagged_with_the_excess(db):
    db.add("topups", topup("t1", "100.00"))
    db.add("grants", {"grant_id": "d1", "account_id": "a1", "kind": "discount", "amount": "10.00",
                      "granted_at": "2026-11-01T10:00:00+08:00", "topup_id": "t1"})
    # 40 = discount d1 10 + cash 30: refundable(t1) = 100 - 30 - 0 - 10 = 60; refund 70 -> 10
    db.add("usage", call("r1", "2026-11-03T10:00:00+08:00", "40.000000"))
    db.add("refunds", refund("f1", "t1", "70.00", "2026-11-05T10:00:00+08:00"))
    assert stakes(db) == [("f1", Decimal("10.00"))]


def test_second_refund_of_a_fully_refunded_topup_is_all_excess(db):
    db.add("topups", topup("t3", "40.00"))
    # f1 40 = refundable 40: fine; then refundable(t3) = 40 - 0 - 40 - 0 = 0; f2 5 -> 5
    db.add("refunds", refund("f1", "t3", "40.00", "2026-11-05T10:00:00+08:00"),
           refund("f2", "t3", "5.00", "2026-11-06T10:00:00+08:00", status="paid"))
    assert stakes(db) == [("f2", Decimal("5.00"))]


def test_refund_equal_to_refundable_even_with_a_call_at_its_instant_is_not_flagged(db):
    db.add("topups", topup("t2", "50.00"), topup("t4", "20.00"))
    # t2: refundable 50 - 20 = 30; refund 30
    db.add("usage", call("r1", "2026-11-03T10:00:00+08:00", "20.000000", account="a1"))
    db.add("refunds", refund("f3", "t2", "30.00", "2026-11-05T10:00:00+08:00"))
    # t4 in a second account: the call at the refund's instant comes after it, refundable 20
    db.add("topups", {**topup("t5", "20.00"), "account_id": "a2"})
    db.add("usage", call("r2", "2026-11-05T10:00:00+08:00", "5.000000", account="a2"))
    db.add("refunds", {**refund("f5", "t5", "20.00", "2026-11-05T10:00:00+08:00"), "account_id": "a2"},
           # rejected refunds take nothing and are not judged
           refund("f4", "t4", "999.00", "2026-11-05T10:00:00+08:00", status="rejected"))
    assert stakes(db) == []
