"""INVOICE_TITLE_WITHOUT_PROOF (rules.md §2): a personal account's enterprise invoice without proof."""

from decimal import Decimal


def version(account, updated_at, account_type="personal"):
    return {"account_id": account, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": account_type}


def invoice(iid, account, issued_at, amount, proof, title_type="enterprise", status="issued"):
    return {"invoice_id": iid, "account_id": account, "issued_at": issued_at, "amount": amount,
            "title_type": title_type, "buyer_name": "ACME", "buyer_tax_id": "T1",
            "proof_provided": proof, "status": status}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("INVOICE_TITLE_WITHOUT_PROOF")]


def test_enterprise_title_without_proof_is_flagged_whether_false_or_missing(db):
    db.add("accounts", version("p1", "2026-11-01T09:00:00+08:00"))
    db.add("invoices", invoice("i1", "p1", "2026-11-05T10:00:00+08:00", "99.99", False),
           invoice("i2", "p1", "2026-11-06T10:00:00+08:00", "0.01", None))
    assert stakes(db) == [("i1", Decimal("99.99")), ("i2", Decimal("0.01"))]


def test_proof_personal_title_or_enterprise_version_in_force_is_not_flagged(db):
    db.add("accounts", version("p1", "2026-11-01T09:00:00+08:00"),
           # p2 became an enterprise account at exactly the invoice's instant
           version("p2", "2026-11-01T09:00:00+08:00"),
           version("p2", "2026-11-07T10:00:00+08:00", account_type="enterprise"))
    db.add("invoices", invoice("i3", "p1", "2026-11-05T10:00:00+08:00", "10.00", True),
           invoice("i4", "p1", "2026-11-05T10:00:00+08:00", "10.00", False, title_type="personal"),
           invoice("i5", "p1", "2026-11-05T10:00:00+08:00", "10.00", False, status="voided"),
           invoice("i6", "p2", "2026-11-07T10:00:00+08:00", "10.00", False))
    assert stakes(db) == []
