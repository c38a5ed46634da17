"""BALANCE_TRANSFER (rules.md §2): a transfer adjustment without a legal basis."""

from decimal import Decimal


def adjustment(aid, kind, amount, legal_basis=None, bucket="cash"):
    return {"adjustment_id": aid, "account_id": "a1", "at": "2026-11-10T10:00:00+08:00",
            "kind": kind, "bucket": bucket, "amount": amount, "counterparty_account_id": "a2",
            "legal_basis": legal_basis}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("BALANCE_TRANSFER")]


def test_transfers_without_legal_basis_are_flagged_with_the_absolute_amount(db):
    db.add("adjustments", adjustment("j1", "transfer_out", "-50.00"),
           adjustment("j2", "transfer_in", "20.10", legal_basis="  ", bucket="trial"))  # blank
    assert stakes(db) == [("j1", Decimal("50.00")), ("j2", Decimal("20.10"))]


def test_transfer_with_legal_basis_and_other_kinds_are_not_flagged(db):
    db.add("adjustments", adjustment("j3", "transfer_out", "-50.00", legal_basis="court ruling 2026-17"),
           adjustment("j4", "goodwill", "5.00"), adjustment("j5", "correction", "-1.00"))
    # an adjustment at or after "now" is not yet on the books
    db.add("adjustments", {**adjustment("j6", "transfer_out", "-9.00"), "at": "2026-11-21T00:00:00+08:00"})
    assert stakes(db) == []
