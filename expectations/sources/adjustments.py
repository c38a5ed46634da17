"""staging.adjustments: one row per manual balance change (amount signed: credit > 0, debit < 0).

Warn: the amount is not 0; a transfer out is a debit and a transfer in a credit; a transfer
names its counterparty.
"""

from expectations.base import GX_WARN, where_column
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeInSet(column="amount", value_set=[0], severity=GX_WARN),
        gxe.ExpectColumnValuesToBeBetween(
            column="amount",
            max_value=0,
            strict_max=True,
            row_condition=where_column("kind") == "transfer_out",
            severity=GX_WARN,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="amount",
            min_value=0,
            strict_min=True,
            row_condition=where_column("kind") == "transfer_in",
            severity=GX_WARN,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="counterparty_account_id",
            row_condition=where_column("kind").is_in(["transfer_out", "transfer_in"]),
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("adjustments", event_time="at", extra=extra)
