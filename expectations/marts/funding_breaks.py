"""marts.funding_breaks: one row per account and business date where the platform's funding of
usage and the recomputed funding differ.

Fail: account_id and business_date present; (account_id, business_date) unique (SQL); money
columns DECIMAL. Warn: both sides fund the same usage (platform cash + trial + discount + unpaid
= recomputed cash + trial + discount + uncovered); the row does differ somewhere.
"""

from expectations.base import (
    FAIL,
    GX_FAIL,
    GX_WARN,
    TableSuite,
    gx_expectations,
    key_unique,
    schema_fields,
)

PLATFORM = ("platform_cash", "platform_trial", "platform_discount", "platform_unpaid")
RECOMPUTED = ("recomputed_cash", "recomputed_trial", "recomputed_discount", "recomputed_uncovered")
DERIVED = {
    "platform__minus_recomputed": " + ".join(f"coalesce({c}, 0)" for c in PLATFORM)
    + " - ("
    + " + ".join(f"coalesce({c}, 0)" for c in RECOMPUTED)
    + ")",
    "differs": " OR ".join(f"{p} IS DISTINCT FROM {r}" for p, r in zip(PLATFORM, RECOMPUTED)),
}


def build() -> list:
    gxe = gx_expectations()
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="account_id", severity=GX_FAIL),
        gxe.ExpectColumnValuesToNotBeNull(column="business_date", severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeBetween(
            column="platform__minus_recomputed", min_value=0, max_value=0, severity=GX_WARN
        ),
        gxe.ExpectColumnValuesToBeInSet(column="differs", value_set=[True], severity=GX_WARN),
    ]


SUITE = TableSuite(
    table="marts.funding_breaks",
    **schema_fields("marts.funding_breaks"),
    build=build,
    partition_by="business_date",
    gx_run_date_only=True,
    derived=DERIVED,
    sql_checks=(key_unique("marts.funding_breaks", ("account_id", "business_date"), None, FAIL),),
)
