"""The input contract, as data (docs/data-contract.md is written from it).

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
    doc: str = ""  # what the column means, for docs/data-contract.md

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


def C(name, type, required=False, values=(), check=None, check_reason=None, doc="") -> Column:
    return Column(name, type, required, tuple(values), check, check_reason, doc)


POSITIVE = ("x > 0", "amount must be greater than 0")
NON_NEGATIVE = ("x >= 0", "must not be negative")
CHARGE = "must not be negative: a usage row is a charge; a credit is an adjustment"

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "accounts",
            key=("account_id", "updated_at"),
            grain="one row per account version (type-2 history; latest updated_at is current)",
            columns=(
                C("account_id", "str", True),
                C("updated_at", "ts", True, doc="when this version took effect (first version: = registered_at)"),
                C("registered_at", "ts", True),
                C("account_type", "enum", True, ("personal", "enterprise")),
                C("real_name", "str", doc="verified name of the person (personal) or legal representative"),
                C("birth_date", "date", doc="from the verified ID document"),
                C("id_doc_hash", "str", doc="verified ID document number of the person"),
                C("enterprise_name", "str", doc="verified enterprise (enterprise accounts)"),
                C("enterprise_tax_id", "str", doc="verified unified social credit code (enterprise accounts)"),
                C("real_name_verified_at", "ts", doc="null: not verified"),
                C("phone_hash", "str"),
                C("email", "str", doc="as typed by the user"),
                C("address", "str"),
                C("device_id", "str", doc="device fingerprint at registration"),
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
                C("amount", "money2", True, check=POSITIVE[0], check_reason=POSITIVE[1], doc="cash paid, > 0"),
                C("method", "enum", True, ("alipay", "wechat_pay", "bank_transfer", "card", "other")),
                C("payer_ref_hash", "str", True, doc="the paying instrument (Alipay account, bank account, card)"),
                C("payer_id_hash", "str", doc="the payer's identity as reported by the channel (person ID or enterprise tax ID)"),
                C("promotion_ids", "str", doc="promotions applied to this top-up, `;`-separated"),
                C("status", "enum", True, ("succeeded", "failed"), doc="only `succeeded` credits the balance"),
                C("chargeback_at", "ts", doc="the payer reversed the payment through the channel"),
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
                C("kind", "enum", True, ("trial", "discount"), doc="discount covers red envelopes, cashback, coupons, vouchers"),
                C("amount", "money2", True, check=POSITIVE[0], check_reason=POSITIVE[1], doc="> 0"),
                C("granted_at", "ts", True),
                C("expires_at", "ts", doc="null: trial → granted_at + 30 days (configurable); discount → never"),
                C("topup_id", "str", doc="the top-up a discount was earned with"),
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
                C("stackable", "bool", True, doc="true only where stacking is expressly allowed in writing"),
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
                C("request_id", "str", True, doc="unique; a repeated request_id is a duplicate delivery, not a new call"),
                C("account_id", "str", True),
                C("api_key_id", "str", True),
                C("model", "str", True, doc="the service in the sense of Zhipu §9.5"),
                C("started_at", "ts", True),
                C("input_tokens", "int", True, check=NON_NEGATIVE[0], check_reason="input_tokens must not be negative", doc="≥ 0"),
                C("output_tokens", "int", True, check=NON_NEGATIVE[0], check_reason="output_tokens must not be negative", doc="≥ 0"),
                # A negative charge (a refund-like credit) is legal text but no charge: it is
                # quarantined with its reason and the night goes on; credits belong in
                # adjustments (README "Where the spec could be read two ways").
                C("amount", "money6", True, check=NON_NEGATIVE[0], check_reason=CHARGE,
                  doc="what the platform charged; ≥ 0 (a negative charge is quarantined)"),
                C("cash_amount", "money6", True, check=NON_NEGATIVE[0], check_reason=CHARGE,
                  doc="how the platform funded the charge; ≥ 0"),
                C("trial_amount", "money6", True, check=NON_NEGATIVE[0], check_reason=CHARGE,
                  doc="how the platform funded the charge; ≥ 0"),
                C("discount_amount", "money6", True, check=NON_NEGATIVE[0], check_reason=CHARGE,
                  doc="how the platform funded the charge; ≥ 0"),
                C("unpaid_amount", "money6", check=NON_NEGATIVE[0], check_reason=CHARGE,
                  doc="part served without balance (default 0); the four parts sum to `amount`; ≥ 0"),
                C("moderation_label", "str", doc="null, or the content category the platform's moderation flagged"),
            ),
        ),
        Source(
            "prices",
            key=("model", "effective_from"),
            grain="one row per model price change (reference data)",
            columns=(
                C("model", "str", True),
                C("effective_from", "ts", True, doc="price holds from here until the model's next row"),
                C("input_price_per_1k", "money6", True, doc="CNY per 1,000 tokens"),
                C("output_price_per_1k", "money6", True, doc="CNY per 1,000 tokens"),
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
                C("buyer_tax_id", "str", doc="required when title_type = enterprise"),
                C("proof_provided", "bool", doc="personal account asking for an enterprise title sent proof (§7.2)"),
                C("status", "enum", True, ("issued", "voided"), doc="voided invoices count for nothing"),
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
                C("topup_id", "str", True, doc="the top-up being refunded"),
                C("requested_at", "ts", True),
                C("decided_at", "ts"),
                C("status", "enum", True, ("requested", "approved", "rejected", "paid"), doc="approved and paid refunds take money out"),
                C("amount", "money2", True),
                C("destination_ref_hash", "str", doc="instrument the money went to"),
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
                    doc="lock/freeze suspend service and API keys; close/terminate end it",
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
                C("topup_id", "str", doc="the disputed top-up"),
                C("evidence_received_at", "ts", doc="the user proved consent of the rights holder (§5.2)"),
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
                C("amount", "money2", True, doc="signed: credit > 0, debit < 0"),
                C("counterparty_account_id", "str", doc="for transfers"),
                C("legal_basis", "str", doc="law, court ruling or approved account transfer that allows it"),
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
                C("model", "str", True, doc="the service in breach"),
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
                C("damage_type", "enum", True, ("direct", "indirect"), doc="indirect covers special, incidental, consequential, lost profit, business interruption, information loss (§9.3)"),
                C("claimed_amount", "money2", True),
                C("paid_amount", "money2", doc="compensation already paid"),
                C("paid_at", "ts"),
            ),
        ),
    ]
}

FORMATS = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")
