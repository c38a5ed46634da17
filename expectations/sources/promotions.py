"""staging.promotions: one row per promotion (reference data; no event time to check).

Warn: a promotion does not end before it starts.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ends_at",
            column_B="starts_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("promotions", extra=extra)
