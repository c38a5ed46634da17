"""staging.claims: one row per compensation claim (Zhipu §9).

Warn: the claimed amount is > 0 and the paid amount not negative; an incident does not end
before it starts.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="claimed_amount", min_value=0, strict_min=True, severity=GX_WARN
        ),
        gxe.ExpectColumnValuesToBeBetween(column="paid_amount", min_value=0, severity=GX_WARN),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="incident_end",
            column_B="incident_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("claims", event_time="filed_at", extra=extra)
