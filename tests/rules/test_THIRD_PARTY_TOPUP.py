"""THIRD_PARTY_TOPUP (rules.md §2): payer identity is neither the holder's document nor tax id."""

from decimal import Decimal


def version(aid, updated_at, id_doc=None, tax_id=None, kind="personal"):
    return {"account_id": aid, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": kind, "id_doc_hash": id_doc, "enterprise_tax_id": tax_id}


def topup(tid, aid, paid_at, amount, payer_id, status="succeeded"):
    return {"topup_id": tid, "account_id": aid, "paid_at": paid_at, "amount": amount,
            "method": "bank_transfer", "payer_ref_hash": "acct-" + tid, "payer_id_hash": payer_id,
            "status": status}


def flagged(db):
    return [(r["subject_id"], r["amount_at_stake"]) for r in db.rule("THIRD_PARTY_TOPUP")]


def test_topups_paid_by_someone_else_are_flagged(db):
    db.add("accounts",
           version("a1", "2026-11-01T09:00:00+08:00", id_doc="me"),
           version("e1", "2026-11-01T09:00:00+08:00", id_doc="boss", tax_id="91CO", kind="enterprise"))
    db.add("topups",
           topup("t1", "a1", "2026-11-02T10:00:00+08:00", "88.00", "mum"),
           topup("t2", "a1", "2026-11-02T11:00:00+08:00", "10.00", "me"),       # own money
           topup("t3", "e1", "2026-11-02T10:00:00+08:00", "500.00", "91CO"),    # the company's
           topup("t4", "e1", "2026-11-02T10:00:00+08:00", "120.50", "boss"),    # its representative
           topup("t5", "e1", "2026-11-03T10:00:00+08:00", "60.00", "91OTHER"),
           topup("t6", "a1", "2026-11-02T10:00:00+08:00", "5.00", None),        # payer not reported
           topup("t7", "a1", "2026-11-02T10:00:00+08:00", "5.00", "mum", status="failed"))
    assert flagged(db) == [("t1", Decimal("88.00")), ("t5", Decimal("60.00"))]


def test_identity_is_taken_from_the_version_in_force_at_paid_at(db):
    db.add("accounts",
           version("a1", "2026-11-01T09:00:00+08:00", id_doc="old"),
           version("a1", "2026-11-10T09:00:00+08:00", id_doc="new"),
           version("a2", "2026-11-01T09:00:00+08:00"))                           # no identity recorded
    db.add("topups",
           topup("t1", "a1", "2026-11-05T10:00:00+08:00", "30.00", "old"),      # old holder then: fine
           topup("t2", "a1", "2026-11-11T10:00:00+08:00", "40.00", "old"),      # old holder now: third party
           topup("t3", "a2", "2026-11-11T10:00:00+08:00", "40.00", "someone"))  # nothing to compare
    assert flagged(db) == [("t2", Decimal("40.00"))]
