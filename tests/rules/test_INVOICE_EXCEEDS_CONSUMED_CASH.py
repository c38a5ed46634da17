"""INVOICE_EXCEEDS_CONSUMED_CASH (rules.md §2): invoiced(t) > cash_consumed(t) at issued_at."""

from decimal import Decimal


def topup(tid, account, amount):
    return {"topup_id": tid, "account_id": account, "paid_at": "2026-11-01T10:00:00+08:00",
            "amount": amount, "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def call(rid, account, started_at, amount):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": amount, "trial_amount": "0", "discount_amount": "0"}


def invoice(iid, account, issued_at, amount, status="issued"):
    return {"invoice_id": iid, "account_id": account, "issued_at": issued_at, "amount": amount,
            "title_type": "personal", "buyer_name": "Li", "status": status}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("INVOICE_EXCEEDS_CONSUMED_CASH")]


def test_invoicing_beyond_consumed_cash_is_flagged_with_the_excess_capped_at_the_amount(db):
    db.add("topups", topup("t1", "a1", "100.00"))
    db.add("usage", call("r1", "a1", "2026-11-05T10:00:00+08:00", "30.000000"))
    db.add("invoices",
           invoice("i0", "a1", "2026-11-05T12:00:00+08:00", "1000.00", status="voided"),  # counts 0
           # invoiced 40 vs consumed 30: excess 10 (< 40)
           invoice("i1", "a1", "2026-11-06T10:00:00+08:00", "40.00"),
           # invoiced 43 vs 30: excess 13, capped at the invoice's 3
           invoice("i2", "a1", "2026-11-06T11:00:00+08:00", "3.00"))
    assert stakes(db) == [("i1", Decimal("10.00")), ("i2", Decimal("3.00"))]


def test_invoices_at_one_instant_count_in_invoice_id_order(db):
    db.add("topups", topup("t2", "a2", "100.00"))
    db.add("usage", call("r1", "a2", "2026-11-05T10:00:00+08:00", "15.000000"))
    # ia: 10 <= 15; ib: 10 + 10 = 20 > 15 -> 5 (reversed order would flag ia)
    db.add("invoices", invoice("ib", "a2", "2026-11-06T10:00:00+08:00", "10.00"),
           invoice("ia", "a2", "2026-11-06T10:00:00+08:00", "10.00"))
    assert stakes(db) == [("ib", Decimal("5.00"))]


def test_trial_consumption_is_not_invoiceable(db):
    db.add("grants", {"grant_id": "g1", "account_id": "a3", "kind": "trial", "amount": "10.00",
                      "granted_at": "2026-11-01T10:00:00+08:00"})
    db.add("usage", call("r1", "a3", "2026-11-05T10:00:00+08:00", "10.000000"))
    db.add("invoices", invoice("i3", "a3", "2026-11-06T10:00:00+08:00", "5.00"))
    # all 10 came from trial: cash consumed 0, invoiced 5 -> excess 5
    assert stakes(db) == [("i3", Decimal("5.00"))]


def test_invoice_equal_to_consumed_cash_including_a_call_at_its_instant_is_not_flagged(db):
    db.add("topups", topup("t4", "a4", "50.00"))
    db.add("usage", call("r1", "a4", "2026-11-05T09:00:00+08:00", "5.000000"),
           call("r2", "a4", "2026-11-05T10:00:00+08:00", "15.000000"))  # at issued_at: included
    db.add("invoices", invoice("i4", "a4", "2026-11-05T10:00:00+08:00", "20.00"))
    assert stakes(db) == []
