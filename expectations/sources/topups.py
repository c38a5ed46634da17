"""staging.topups: one row per top-up (Zhipu §2.1, §5).

Fail (contract): amount > 0, method and status in their sets. Warn: a chargeback does not come
before the payment.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="chargeback_at",
            column_B="paid_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("topups", event_time="paid_at", extra=extra)
