from decimal import Decimal


def topup(tid, amount, status="succeeded", chargeback_at=None, paid_at="2026-11-10T10:00:00+08:00"):
    return {"topup_id": tid, "account_id": "a1", "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": status, "chargeback_at": chargeback_at}


def test_succeeded_topups_charged_back_are_flagged_with_their_amount(db):
    db.add("topups",
           topup("t1", "100.00", chargeback_at="2026-11-12T09:00:00+08:00"),
           topup("t2", "12.30", chargeback_at="2026-11-20T23:59:59+08:00"),
           topup("t3", "50.00"))
    result = [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("CHARGEBACK")]
    assert result == [("t1", Decimal("100.00")), ("t2", Decimal("12.30"))]


def test_failed_topup_and_chargeback_after_now_are_not_flagged(db):
    db.add("topups",
           topup("t1", "100.00", status="failed", chargeback_at="2026-11-12T09:00:00+08:00"),
           # "now" is 2026-11-21T00:00+08:00: a chargeback stamped at "now" has not happened yet
           topup("t2", "100.00", chargeback_at="2026-11-21T00:00:00+08:00"))
    assert db.rule("CHARGEBACK") == []
