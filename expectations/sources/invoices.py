"""staging.invoices: one row per invoice (Zhipu §7).

Warn: an enterprise title carries the buyer's tax id (data-contract.md: "required when
title_type = enterprise"; warn, not fail, because the rules report it); the amount is > 0.
"""

from expectations.base import GX_WARN, where_column
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="buyer_tax_id",
            row_condition=where_column("title_type") == "enterprise",
            severity=GX_WARN,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, strict_min=True, severity=GX_WARN
        ),
    ]


SUITE = contract_suite("invoices", event_time="issued_at", extra=extra)
