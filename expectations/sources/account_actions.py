"""staging.account_actions: one row per enforcement action (Zhipu §5.2, §5.3).

Warn: an action taken for a third-party top-up dispute names the disputed top-up.
"""

from expectations.base import GX_WARN, where_column
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="topup_id",
            row_condition=where_column("reason") == "third_party_topup_dispute",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("account_actions", event_time="at", extra=extra)
