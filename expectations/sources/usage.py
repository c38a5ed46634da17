"""staging.usage: one row per billed API call (Zhipu §3.2, §6).

Fail (contract): identifiers, model, started_at and the amounts present; tokens >= 0.
Warn: the four funding parts sum to the amount (unpaid_amount null reads as 0); no amount or
part is negative. The sum is computed exactly on Decimal objects (DuckDB DECIMAL pulled through
Arrow), never on floats.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite

DERIVED = {
    "unpaid_amount__or_0": "coalesce(unpaid_amount, 0::DECIMAL(18, 6))",
    "amount__negated": "-amount",
}
PARTS = ["cash_amount", "trial_amount", "discount_amount", "unpaid_amount__or_0"]


def extra(gxe) -> list:
    return [
        gxe.ExpectMulticolumnSumToEqual(
            column_list=[*PARTS, "amount__negated"],
            sum_total=0,
            ignore_row_if="any_value_is_missing",
            severity=GX_WARN,
        ),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_WARN)
            for c in ["amount", "cash_amount", "trial_amount", "discount_amount", "unpaid_amount"]
        ],
    ]


SUITE = contract_suite("usage", event_time="started_at", derived=DERIVED, extra=extra)
