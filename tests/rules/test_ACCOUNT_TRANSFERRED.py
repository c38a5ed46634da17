"""ACCOUNT_TRANSFERRED (rules.md §2, §6 "Account versions").

The amount at stake is the balance engine's unconsumed cash at the changing version
(intermediate.int_balance__checkpoints, kind account_version). The rule-logic tests replace that
table with a STAND-IN holding hand-written figures, so they test this rule alone; the last test
runs the real engine on one top-up and one call.
"""

from decimal import Decimal

from transforms.rules import run_rule


def version(aid, updated_at, id_doc=None, tax_id=None, verified_at=None, kind="personal"):
    return {"account_id": aid, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": kind, "id_doc_hash": id_doc, "enterprise_tax_id": tax_id,
            "real_name_verified_at": verified_at}


def with_stand_in_checkpoints(db, rows):
    """Build, then replace the engine's checkpoints by hand-written ones (STAND-IN)."""
    db.build()
    db.con.execute("""CREATE OR REPLACE TABLE intermediate.int_balance__checkpoints (
        checkpoint_kind VARCHAR, checkpoint_id VARCHAR, account_id VARCHAR, topup_id VARCHAR,
        "at" TIMESTAMPTZ, account_unconsumed_cash DECIMAL(18, 6), topup_cash_consumed DECIMAL(18, 6))""")
    for account_id, at, unconsumed in rows:
        db.con.execute("INSERT INTO intermediate.int_balance__checkpoints VALUES "
                       "('account_version', $id, $a, NULL, $at::TIMESTAMPTZ, $u, NULL)",
                       {"id": f"{account_id}@{at}", "a": account_id, "at": at, "u": unconsumed})
    rel = run_rule(db.con, "ACCOUNT_TRANSFERRED", db.ctx)
    return db.con.execute(f"SELECT subject_id, occurred_at, amount_at_stake FROM {rel.alias} "
                          "ORDER BY subject_id").fetchall()


def test_first_changes_of_id_document_or_tax_id_after_verification_are_flagged(db):
    db.add("accounts",
           version("a1", "2026-11-01T09:00:00+08:00", id_doc="d1", verified_at="2026-11-01T10:00:00+08:00"),
           version("a1", "2026-11-05T09:00:00+08:00"),                       # null: no change
           version("a1", "2026-11-10T09:00:00+08:00", id_doc="d2"),          # d1 -> d2: flagged
           version("a1", "2026-11-12T09:00:00+08:00", id_doc="d3"),          # second change: not again
           version("e1", "2026-11-01T09:00:00+08:00", tax_id="91X", verified_at="2026-11-01T09:30:00+08:00",
                   kind="enterprise"),
           version("e1", "2026-11-08T09:00:00+08:00", tax_id="91Y", kind="enterprise"))
    rows = with_stand_in_checkpoints(db, [
        ("a1", "2026-11-10T09:00:00+08:00", "70.250000"),   # unconsumed cash at a1's change
        ("a1", "2026-11-12T09:00:00+08:00", "60.000000"),   # (the second change's; unused)
        ("e1", "2026-11-08T09:00:00+08:00", "-5.000000"),   # below zero: nothing at stake
    ])
    assert [(s, a) for s, _, a in rows] == [("a1", Decimal("70.25")), ("e1", Decimal("0.00"))]
    assert rows[0][1].isoformat() == "2026-11-10T01:00:00+00:00"


def test_first_recording_and_change_at_the_verification_instant_are_not_flagged(db):
    db.add("accounts",
           # null -> d5 is a first recording, not a transfer
           version("b1", "2026-11-01T09:00:00+08:00", verified_at="2026-11-01T09:00:00+08:00"),
           version("b1", "2026-11-03T09:00:00+08:00", id_doc="d5"),
           # verified by the changing version itself: not verified strictly before it
           version("c1", "2026-11-01T09:00:00+08:00", id_doc="e1"),
           version("c1", "2026-11-10T10:00:00+08:00", id_doc="e2", verified_at="2026-11-10T10:00:00+08:00"))
    assert with_stand_in_checkpoints(db, []) == []


def test_unconsumed_cash_comes_from_the_balance_engine_at_the_change(db):
    db.add("accounts",
           version("a1", "2026-11-01T09:00:00+08:00", id_doc="d1", verified_at="2026-11-01T09:00:00+08:00"),
           version("a1", "2026-11-10T09:00:00+08:00", id_doc="d2"))
    db.add("topups", {"topup_id": "t1", "account_id": "a1", "paid_at": "2026-11-02T10:00:00+08:00",
                      "amount": "100.00", "method": "card", "payer_ref_hash": "p1", "status": "succeeded"})
    # 30.5 consumed from cash before the change, 10 after it: 100 - 30.5 = 69.50 at stake
    db.add("usage", *[{"request_id": rid, "account_id": "a1", "api_key_id": "k1", "model": "glm-4",
                        "started_at": at, "input_tokens": 0, "output_tokens": 0, "amount": amt,
                        "cash_amount": amt, "trial_amount": "0", "discount_amount": "0"}
                       for rid, at, amt in [("r1", "2026-11-05T10:00:00+08:00", "30.500000"),
                                            ("r2", "2026-11-11T10:00:00+08:00", "10.000000")]])
    assert [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("ACCOUNT_TRANSFERRED")] == [
        ("a1", Decimal("69.50"))]
