"""staging.refunds: one row per refund request (Zhipu §8).

Warn: the amount is > 0; a refund is not decided before it is requested.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, strict_min=True, severity=GX_WARN
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="decided_at",
            column_B="requested_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("refunds", event_time="requested_at", extra=extra)
