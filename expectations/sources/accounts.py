"""staging.accounts: one row per account version (type-2 history).

Warn: a version does not take effect before the registration; an enterprise account names its
enterprise.
"""

from expectations.base import GX_WARN, where_column
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="updated_at",
            column_B="registered_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="enterprise_name",
            row_condition=where_column("account_type") == "enterprise",
            severity=GX_WARN,
        ),
    ]


SUITE = contract_suite("accounts", event_time="updated_at", extra=extra)
