"""marts.liability_caps: one row per claim (rules.md §2 "The liability cap", Zhipu §9.5).

Fail: claim_id, account_id, model present; cap, eligible, paid_before, payable not negative;
payable <= eligible; claim_id unique (SQL); money columns DECIMAL.
Warn: payable = max(0, min(eligible, cap - paid_before)).
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

NOT_NEGATIVE = ("cap", "eligible", "paid_before", "payable")
DERIVED = {
    "payable__vs_formula": "payable - greatest(0, least(eligible, cap - paid_before))",
}


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in ("claim_id", "account_id", "model")
        ],
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_FAIL)
            for c in NOT_NEGATIVE
        ],
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="eligible",
            column_B="payable",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_FAIL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="payable__vs_formula", min_value=0, max_value=0, severity=GX_WARN
        ),
    ]


SUITE = TableSuite(
    table="marts.liability_caps",
    **schema_fields("marts.liability_caps"),
    build=build,
    derived=DERIVED,
    sql_checks=(key_unique("marts.liability_caps", ("claim_id",), None, FAIL),),
)
