"""marts.topup_positions: one row per succeeded top-up, as of the run's date (rules.md §1).

Fail: topup_id, account_id, amount present; amount > 0; cash_consumed, discount_used, refunded
and refundable_now not negative; cash_consumed <= amount (FIFO never draws more than a top-up
holds); topup_id unique (SQL); money columns DECIMAL.
Warn: refundable_now = max(0, amount - cash_consumed - refunded - discount_used); every row is
a succeeded top-up in staging.topups.
"""

from expectations.base import (
    FAIL,
    GX_FAIL,
    GX_WARN,
    WARN,
    SqlCheck,
    TableSuite,
    gx_expectations,
    key_unique,
    schema_fields,
)

DERIVED = {
    "refundable_now__vs_formula": "refundable_now - greatest(0, amount - cash_consumed - refunded - discount_used)",
}


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in ("topup_id", "account_id", "amount")
        ],
        gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, strict_min=True, severity=GX_FAIL
        ),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_FAIL)
            for c in ("cash_consumed", "discount_used", "refunded", "refundable_now")
        ],
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="amount",
            column_B="cash_consumed",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_FAIL,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="refundable_now__vs_formula", min_value=0, max_value=0, severity=GX_WARN
        ),
    ]


SUITE = TableSuite(
    table="marts.topup_positions",
    **schema_fields("marts.topup_positions"),
    build=build,
    derived=DERIVED,
    sql_checks=(
        key_unique("marts.topup_positions", ("topup_id",), None, FAIL),
        SqlCheck(
            "every row is a succeeded top-up",
            WARN,
            "SELECT p.topup_id FROM marts.topup_positions p WHERE NOT EXISTS ("
            "SELECT 1 FROM staging.topups t WHERE t.topup_id = p.topup_id "
            "AND t.status = 'succeeded') ORDER BY 1",
            requires=("staging.topups",),
        ),
    ),
)
