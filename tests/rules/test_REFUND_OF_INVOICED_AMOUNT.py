"""REFUND_OF_INVOICED_AMOUNT (rules.md §2): a refund of money already invoiced."""

from decimal import Decimal


def topup(tid, account, amount):
    return {"topup_id": tid, "account_id": account, "paid_at": "2026-11-01T10:00:00+08:00",
            "amount": amount, "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def call(rid, account, amount):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": "2026-11-03T10:00:00+08:00", "input_tokens": 0, "output_tokens": 0,
            "amount": amount, "cash_amount": amount, "trial_amount": "0", "discount_amount": "0"}


def invoice(iid, account, amount, issued_at="2026-11-04T10:00:00+08:00"):
    return {"invoice_id": iid, "account_id": account, "issued_at": issued_at, "amount": amount,
            "title_type": "personal", "buyer_name": "Li", "status": "issued"}


def refund(fid, account, topup_id, amount, decided_at="2026-11-05T10:00:00+08:00"):
    return {"refund_id": fid, "account_id": account, "topup_id": topup_id,
            "requested_at": "2026-11-04T12:00:00+08:00", "decided_at": decided_at,
            "status": "approved", "amount": amount}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("REFUND_OF_INVOICED_AMOUNT")]


def test_refund_beyond_refundable_while_over_invoiced_is_flagged(db):
    # a1: consumed 30, invoiced 50 -> over_invoiced 20; unconsumed 100 - 30 = 70;
    #     refundable = 70 - 20 = 50; refund 60 > 50 -> min(60, 20) = 20
    db.add("topups", topup("t1", "a1", "100.00"))
    db.add("usage", call("r1", "a1", "30.000000"))
    db.add("invoices", invoice("i1", "a1", "50.00"))
    db.add("refunds", refund("f1", "a1", "t1", "60.00"))
    # a2: consumed 10, invoiced 100 -> over 90; unconsumed 90; refundable 0;
    #     refund 30 -> min(30, 90) = 30
    db.add("topups", topup("t2", "a2", "100.00"))
    db.add("usage", call("r2", "a2", "10.000000"))
    db.add("invoices", invoice("i2", "a2", "100.00"))
    db.add("refunds", refund("f2", "a2", "t2", "30.00"))
    assert stakes(db) == [("f1", Decimal("20.00")), ("f2", Decimal("30.00"))]


def test_refund_equal_to_account_refundable_is_not_flagged(db):
    # as a1 above, refund 50 = refundable 50
    db.add("topups", topup("t3", "a3", "100.00"))
    db.add("usage", call("r3", "a3", "30.000000"))
    db.add("invoices", invoice("i3", "a3", "50.00"))
    db.add("refunds", refund("f3", "a3", "t3", "50.00"))
    assert stakes(db) == []


def test_invoice_issued_at_the_refund_instant_is_not_yet_counted(db):
    # invoices sort after the usage (and so the refunds) of their instant: at f4, invoiced 0
    db.add("topups", topup("t4", "a4", "100.00"))
    db.add("invoices", invoice("i4", "a4", "100.00", issued_at="2026-11-05T10:00:00+08:00"))
    db.add("refunds", refund("f4", "a4", "t4", "100.00"))
    assert stakes(db) == []
