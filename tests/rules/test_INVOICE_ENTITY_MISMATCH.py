"""INVOICE_ENTITY_MISMATCH (rules.md §2): an enterprise account's enterprise invoice to another tax id."""

from decimal import Decimal


def version(account, updated_at, tax_id, account_type="enterprise",
            verified_at="2026-11-01T10:00:00+08:00"):
    return {"account_id": account, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": account_type, "enterprise_tax_id": tax_id,
            "real_name_verified_at": verified_at}


def invoice(iid, account, issued_at, amount, buyer_tax_id, title_type="enterprise", status="issued"):
    return {"invoice_id": iid, "account_id": account, "issued_at": issued_at, "amount": amount,
            "title_type": title_type, "buyer_name": "ACME", "buyer_tax_id": buyer_tax_id,
            "status": status}


def stakes(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("INVOICE_ENTITY_MISMATCH")]


def test_enterprise_invoice_to_another_tax_id_is_flagged_with_its_amount(db):
    db.add("accounts", version("e1", "2026-11-01T09:00:00+08:00", "T1"),
           version("e2", "2026-11-01T09:00:00+08:00", "T1"),
           version("e2", "2026-11-10T00:00:00+08:00", "T9"))
    db.add("invoices",
           invoice("i1", "e1", "2026-11-05T10:00:00+08:00", "120.50", "T2"),
           # on 11-08 the version in force still has T1
           invoice("i2", "e2", "2026-11-08T10:00:00+08:00", "30.00", "T9"),
           # at exactly the new version's updated_at, T9 is in force: T1 no longer matches
           invoice("i8", "e2", "2026-11-10T00:00:00+08:00", "7.00", "T1"))
    assert stakes(db) == [("i1", Decimal("120.50")), ("i2", Decimal("30.00")), ("i8", Decimal("7.00"))]


def test_invoice_before_verification_has_no_verified_entity(db):
    db.add("accounts", version("e3", "2026-11-01T09:00:00+08:00", "T3",
                               verified_at="2026-11-06T00:00:00+08:00"))
    db.add("invoices", invoice("i3", "e3", "2026-11-05T10:00:00+08:00", "8.00", "T3"))
    assert stakes(db) == [("i3", Decimal("8.00"))]


def test_invoice_matching_the_version_in_force_at_its_instant_is_not_flagged(db):
    db.add("accounts", version("e2", "2026-11-01T09:00:00+08:00", "T1"),
           version("e2", "2026-11-10T00:00:00+08:00", "T9"),
           version("p1", "2026-11-01T09:00:00+08:00", None, account_type="personal"))
    db.add("invoices",
           # issued at exactly the new version's updated_at: T9 is in force
           invoice("i4", "e2", "2026-11-10T00:00:00+08:00", "30.00", "T9"),
           # voided: counts for nothing
           invoice("i5", "e2", "2026-11-11T00:00:00+08:00", "30.00", "TX", status="voided"),
           # personal title from an enterprise account: not this rule's question
           invoice("i6", "e2", "2026-11-11T00:00:00+08:00", "30.00", None, title_type="personal"),
           # a personal account: INVOICE_TITLE_WITHOUT_PROOF's question
           invoice("i7", "p1", "2026-11-11T00:00:00+08:00", "30.00", "TX"))
    assert stakes(db) == []
