"""RAPID_TOPUP_REFUND (rules.md §2, §6): refund requested <= 72 h after the top-up, < 5 % consumed.

The cash consumed from the top-up comes from the balance engine's checkpoint of kind
refund_requested. The rule-logic test replaces that table with a STAND-IN holding hand-written
figures; the last test runs the real engine.
"""

from decimal import Decimal

from transforms.rules import run_rule


def topup(tid, amount, paid_at="2026-11-10T10:00:00+08:00"):
    return {"topup_id": tid, "account_id": "a1", "paid_at": paid_at, "amount": amount, "method": "card",
            "payer_ref_hash": "p1", "status": "succeeded"}


def refund(fid, tid, requested_at, amount, status="requested"):
    return {"refund_id": fid, "account_id": "a1", "topup_id": tid, "requested_at": requested_at,
            "status": status, "amount": amount}


def with_stand_in_checkpoints(db, consumed):
    """Build, then replace the engine's checkpoints by hand-written ones (STAND-IN)."""
    db.build()
    db.con.execute("""CREATE OR REPLACE TABLE intermediate.int_balance__checkpoints (
        checkpoint_kind VARCHAR, checkpoint_id VARCHAR, account_id VARCHAR, topup_id VARCHAR,
        "at" TIMESTAMPTZ, account_unconsumed_cash DECIMAL(18, 6), topup_cash_consumed DECIMAL(18, 6))""")
    for refund_id, value in consumed.items():
        db.con.execute("INSERT INTO intermediate.int_balance__checkpoints VALUES "
                       "('refund_requested', $id, 'a1', NULL, NULL, NULL, $c)", {"id": refund_id, "c": value})
    rel = run_rule(db.con, "RAPID_TOPUP_REFUND", db.ctx)
    return db.con.execute(f"SELECT subject_id, amount_at_stake FROM {rel.alias} ORDER BY 1").fetchall()


def test_refunds_soon_after_an_almost_unused_topup_are_flagged_whatever_their_status(db):
    db.add("topups", topup("t1", "1000.00"), topup("t2", "1000.00"), topup("t3", "1000.00"),
           topup("t4", "1000.00"))
    db.add("refunds",
           refund("f1", "t1", "2026-11-13T10:00:00+08:00", "990.00", status="rejected"),  # 72 h exactly
           refund("f2", "t2", "2026-11-11T10:00:00+08:00", "950.01"),                     # 49.99 used
           refund("f3", "t3", "2026-11-11T10:00:00+08:00", "950.00", status="paid"),      # 50.00 = 5 %
           refund("f4", "t4", "2026-11-13T10:00:01+08:00", "1000.00"))                    # 72 h + 1 s
    rows = with_stand_in_checkpoints(db, {"f1": "10.000000", "f2": "49.990000", "f3": "50.000000",
                                          "f4": "0.000000"})
    # f1: 10 * 100 < 5 * 1000; f2: 4999 < 5000; f3: 5000 is not < 5000; f4: too late
    assert rows == [("f1", Decimal("990.00")), ("f2", Decimal("950.01"))]


def test_consumption_up_to_and_including_requested_at_comes_from_the_balance_engine(db):
    db.add("topups", topup("t1", "100.00"), topup("t2", "100.00", paid_at="2026-11-10T11:00:00+08:00"))
    call = {"account_id": "a1", "api_key_id": "k1", "model": "glm-4", "input_tokens": 0,
            "output_tokens": 0, "trial_amount": "0", "discount_amount": "0"}
    db.add("usage",
           # 4.99 from t1 (FIFO) before f1 is requested; 0.02 at the request instant counts too
           {**call, "request_id": "r1", "started_at": "2026-11-10T12:00:00+08:00", "amount": "4.990000",
            "cash_amount": "4.990000"},
           {**call, "request_id": "r2", "started_at": "2026-11-11T10:00:00+08:00", "amount": "0.020000",
            "cash_amount": "0.020000"})
    db.add("refunds", refund("f1", "t1", "2026-11-11T10:00:00+08:00", "95.00"),
           refund("f2", "t2", "2026-11-11T10:00:00+08:00", "100.00"))
    # f1: 5.01 consumed of 100 = 5.01 % -> not flagged; f2: t2 untouched -> flagged
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("RAPID_TOPUP_REFUND")] == [
        ("f2", Decimal("100.00"))]
