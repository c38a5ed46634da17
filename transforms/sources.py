"""The input contract of ../shared/spec/data-contract.md, as data.

One place says, for every landing-zone source, its columns, their types, which are required,
their allowed values and the per-row checks whose failure quarantines a row. The loader, the
generator, the Great Expectations suites and the test fixtures all read it from here.

Typed columns in DuckDB:
    str   VARCHAR          enum  VARCHAR (value in `values`)
    ts    TIMESTAMPTZ      (naive text is read in the platform time zone)
    date  DATE             int   BIGINT            bool  BOOLEAN
    money2 DECIMAL(18,2)   at most 2 decimals in the text
    money6 DECIMAL(18,6)   at most 6 decimals in the text
Every staged row also carries its lineage: `_dt` (partition date), `_file` (path below the
landing zone), `_row` (1-based data row in the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DUCKDB_TYPES = {
    "str": "VARCHAR",
    "enum": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "date": "DATE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "money2": "DECIMAL(18,2)",
    "money6": "DECIMAL(18,6)",
}
LINEAGE = (("_dt", "DATE"), ("_file", "VARCHAR"), ("_row", "BIGINT"))


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    # a SQL predicate on the typed value `x`; a row whose value fails it is quarantined
    check: str | None = None
    check_reason: str | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Source:
    name: str
    key: tuple[str, ...]  # a record's identity: equal key = the same record (duplicate or conflict)
    columns: tuple[Column, ...]
    grain: str
    clause: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def ddl(self, table: str | None = None, lineage: bool = True) -> str:
        """CREATE TABLE for the typed staged rows (tests build staging tables with it)."""
        cols = [f'"{c.name}" {c.duckdb_type}' for c in self.columns]
        if lineage:
            cols += [f"{n} {t}" for n, t in LINEAGE]
        return f"CREATE TABLE {table or 'staging.' + self.name} ({', '.join(cols)})"


def C(name, type, required=False, values=(), check=None, check_reason=None) -> Column:
    return Column(name, type, required, tuple(values), check, check_reason)


POSITIVE = ("x > 0", "amount must be greater than 0")
NON_NEGATIVE = ("x >= 0", "must not be negative")

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "accounts",
            key=("account_id", "updated_at"),
            grain="one row per account version (type-2 history; latest updated_at is current)",
            columns=(
                C("account_id", "str", True),
                C("updated_at", "ts", True),
                C("registered_at", "ts", True),
                C("account_type", "enum", True, ("personal", "enterprise")),
                C("real_name", "str"),
                C("birth_date", "date"),
                C("id_doc_hash", "str"),
                C("enterprise_name", "str"),
                C("enterprise_tax_id", "str"),
                C("real_name_verified_at", "ts"),
                C("phone_hash", "str"),
                C("email", "str"),
                C("address", "str"),
                C("device_id", "str"),
                C("registration_ip", "str"),
            ),
        ),
        Source(
            "topups",
            key=("topup_id",),
            grain="one row per top-up (prepayment into the balance account)",
            clause="Zhipu §2.1, §5",
            columns=(
                C("topup_id", "str", True),
                C("account_id", "str", True),
                C("paid_at", "ts", True),
                C("amount", "money2", True, check=POSITIVE[0], check_reason=POSITIVE[1]),
                C("method", "enum", True, ("alipay", "wechat_pay", "bank_transfer", "card", "other")),
                C("payer_ref_hash", "str", True),
                C("payer_id_hash", "str"),
                C("promotion_ids", "str"),
                C("status", "enum", True, ("succeeded", "failed")),
                C("chargeback_at", "ts"),
            ),
        ),
        Source(
            "grants",
            key=("grant_id",),
            grain="one row per trial or discount grant",
            clause="Zhipu §2.3, §2.4",
            columns=(
                C("grant_id", "str", True),
                C("account_id", "str", True),
                C("kind", "enum", True, ("trial", "discount")),
                C("amount", "money2", True, check=POSITIVE[0], check_reason=POSITIVE[1]),
                C("granted_at", "ts", True),
                C("expires_at", "ts"),
                C("topup_id", "str"),
                C("promotion_id", "str"),
            ),
        ),
        Source(
            "promotions",
            key=("promotion_id",),
            grain="one row per promotion (reference data)",
            columns=(
                C("promotion_id", "str", True),
                C(
                    "kind",
                    "enum",
                    True,
                    ("trial", "topup_discount", "coupon", "cashback", "red_envelope", "limited_time"),
                ),
                C("stackable", "bool", True),
                C("new_customers_only", "bool", True),
                C("starts_at", "ts"),
                C("ends_at", "ts"),
            ),
        ),
        Source(
            "usage",
            key=("request_id",),
            grain="one row per billed API call",
            clause="Zhipu §3.2, §6",
            columns=(
                C("request_id", "str", True),
                C("account_id", "str", True),
                C("api_key_id", "str", True),
                C("model", "str", True),
                C("started_at", "ts", True),
                C("input_tokens", "int", True, check=NON_NEGATIVE[0], check_reason="input_tokens must not be negative"),
                C("output_tokens", "int", True, check=NON_NEGATIVE[0], check_reason="output_tokens must not be negative"),
                C("amount", "money6", True),
                C("cash_amount", "money6", True),
                C("trial_amount", "money6", True),
                C("discount_amount", "money6", True),
                C("unpaid_amount", "money6"),
                C("moderation_label", "str"),
            ),
        ),
        Source(
            "prices",
            key=("model", "effective_from"),
            grain="one row per model price change (reference data)",
            columns=(
                C("model", "str", True),
                C("effective_from", "ts", True),
                C("input_price_per_1k", "money6", True),
                C("output_price_per_1k", "money6", True),
            ),
        ),
        Source(
            "invoices",
            key=("invoice_id",),
            grain="one row per invoice",
            clause="Zhipu §7",
            columns=(
                C("invoice_id", "str", True),
                C("account_id", "str", True),
                C("issued_at", "ts", True),
                C("amount", "money2", True),
                C("title_type", "enum", True, ("personal", "enterprise")),
                C("buyer_name", "str", True),
                C("buyer_tax_id", "str"),
                C("proof_provided", "bool"),
                C("status", "enum", True, ("issued", "voided")),
            ),
        ),
        Source(
            "refunds",
            key=("refund_id",),
            grain="one row per refund request",
            clause="Zhipu §8",
            columns=(
                C("refund_id", "str", True),
                C("account_id", "str", True),
                C("topup_id", "str", True),
                C("requested_at", "ts", True),
                C("decided_at", "ts"),
                C("status", "enum", True, ("requested", "approved", "rejected", "paid")),
                C("amount", "money2", True),
                C("destination_ref_hash", "str"),
            ),
        ),
        Source(
            "account_actions",
            key=("action_id",),
            grain="one row per enforcement action on an account",
            clause="Zhipu §5.2, §5.3",
            columns=(
                C("action_id", "str", True),
                C("account_id", "str", True),
                C("at", "ts", True),
                C(
                    "action",
                    "enum",
                    True,
                    ("lock", "unlock", "freeze", "unfreeze", "close", "terminate", "reinstate"),
                ),
                C(
                    "reason",
                    "enum",
                    True,
                    (
                        "third_party_topup_dispute",
                        "illegal_funds",
                        "improper_registration",
                        "content_violation",
                        "user_request",
                        "other",
                    ),
                ),
                C("topup_id", "str"),
                C("evidence_received_at", "ts"),
            ),
        ),
        Source(
            "adjustments",
            key=("adjustment_id",),
            grain="one row per manual balance change by operations staff",
            columns=(
                C("adjustment_id", "str", True),
                C("account_id", "str", True),
                C("at", "ts", True),
                C("kind", "enum", True, ("transfer_out", "transfer_in", "goodwill", "correction")),
                C("bucket", "enum", True, ("cash", "trial", "discount")),
                C("amount", "money2", True),
                C("counterparty_account_id", "str"),
                C("legal_basis", "str"),
            ),
        ),
        Source(
            "claims",
            key=("claim_id",),
            grain="one row per compensation claim",
            clause="Zhipu §9",
            columns=(
                C("claim_id", "str", True),
                C("account_id", "str", True),
                C("model", "str", True),
                C("filed_at", "ts", True),
                C("incident_start", "ts"),
                C("incident_end", "ts"),
                C(
                    "cause",
                    "enum",
                    True,
                    (
                        "platform_fault",
                        "force_majeure",
                        "public_service_failure",
                        "maintenance",
                        "third_party",
                        "user_fault",
                    ),
                ),
                C("damage_type", "enum", True, ("direct", "indirect")),
                C("claimed_amount", "money2", True),
                C("paid_amount", "money2"),
                C("paid_at", "ts"),
            ),
        ),
    ]
}

FORMATS = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")
