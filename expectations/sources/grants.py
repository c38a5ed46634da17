"""staging.grants: one row per trial or discount grant (Zhipu §2.3, §2.4).

Fail (contract): amount > 0, kind in (trial, discount). Warn: a grant expires after it is
granted.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="expires_at",
            column_B="granted_at",
            or_equal=False,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("grants", event_time="granted_at", extra=extra)
