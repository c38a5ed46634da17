"""marts.account_balances: one row per account and business date, every figure cumulative to
the end of that date (rules.md §1).

Fail, per row (GX on exact Decimals): account_id and business_date present;
  cash:             unconsumed_cash = cash_credited - cash_consumed - cash_refunded
  trial, discount:  credited >= consumed + expired (the contract has no "left" column for
                    them: what is left is live remainder, which only the engine knows)
  refundable_now <= max(0, unconsumed_cash) (unconsumed_cash goes negative when a refund
                    exceeds what was left; the rules flag that, the mart then shows 0).
Fail, whole table (SQL): (account_id, business_date) unique (no two balance positions of an
account cover one date: the mart repeats positions over the calendar); on the run's date, per account,
cash_consumed + trial_consumed + discount_consumed + uncovered = the account's usage amount up to
the end of that date (staging holds each request_id once); money columns are DECIMAL.
GX validates the run's business date; the same expectations run as SQL over the earlier dates
(one row per account and day since registration is too many rows for GX each night), on the
positions those dates repeat (`sweep_from`: a row holds on every date its position covers
exactly when it holds on the position; 2.6 M positions instead of 138 M rows at 200,000 accounts).
Warn: the rules.md §1 formulas over_invoiced = max(0, invoiced - cash_consumed),
refundable_now = max(0, unconsumed_cash - over_invoiced), invoiceable_now =
max(0, cash_consumed - invoiced); figures other than unconsumed_cash not negative; the run's
date is present.
"""

from expectations.base import (
    FAIL,
    GX_FAIL,
    GX_WARN,
    WARN,
    SqlCheck,
    TableSuite,
    gx_expectations,
    schema_fields,
)

# figures that are never negative (warn); unconsumed_cash may be, after an excessive refund
NOT_NEGATIVE = (
    "cash_credited",
    "cash_consumed",
    "cash_refunded",
    "trial_credited",
    "trial_consumed",
    "trial_expired",
    "discount_credited",
    "discount_consumed",
    "discount_expired",
    "invoiced",
    "over_invoiced",
    "refundable_now",
    "invoiceable_now",
    "uncovered",
)

# Exact differences computed by DuckDB; each must be 0 (or >= 0) for the row to hold.
DERIVED = {
    "cash__left_minus_unconsumed": "cash_credited - cash_consumed - cash_refunded - unconsumed_cash",
    "unconsumed_cash__floor_0": "greatest(unconsumed_cash, 0)",
    "trial__left": "trial_credited - trial_consumed - trial_expired",
    "discount__left": "discount_credited - discount_consumed - discount_expired",
    "over_invoiced__vs_formula": "over_invoiced - greatest(0, invoiced - cash_consumed)",
    "refundable_now__vs_formula": "refundable_now - greatest(0, unconsumed_cash - over_invoiced)",
    "invoiceable_now__vs_formula": "invoiceable_now - greatest(0, cash_consumed - invoiced)",
}

# The view's key is unique when no position of an account reaches past the next one's first
# date (positions sorted by date: any two overlapping means two neighbours overlap).
POSITIONS_DISJOINT = """
SELECT 'account_id, business_date=' || account_id || '|' || next_start::VARCHAR
       || ' x2: the position from ' || business_date::VARCHAR || ' runs to ' || next_date::VARCHAR
FROM (SELECT account_id, business_date, next_date,
             lead(business_date) OVER (PARTITION BY account_id ORDER BY business_date) AS next_start
      FROM intermediate.int_balance__positions)
WHERE next_date > next_start
ORDER BY 1
"""

USAGE_RECONCILES = """
WITH usage_to_date AS (
    -- staging.usage holds each request_id once (staging drops later copies; the sources suite
    -- fails the night if a key repeats), so a plain sum counts every call once: 0.7 s over
    -- 10 M rows, where re-deduplicating them here took 45 s
    SELECT account_id, sum(amount) AS amount
    FROM staging.usage
    WHERE started_at < $now
    GROUP BY account_id
), parts AS (
    SELECT account_id,
           cash_consumed + trial_consumed + discount_consumed + uncovered AS recomputed
    FROM marts.account_balances WHERE business_date = $business_date
)
SELECT coalesce(p.account_id, u.account_id) || ': recomputed parts '
       || coalesce(p.recomputed::VARCHAR, 'none') || ' <> usage ' || coalesce(u.amount::VARCHAR, '0')
FROM parts p FULL JOIN usage_to_date u ON u.account_id = p.account_id
WHERE coalesce(p.recomputed, 0) <> coalesce(u.amount, 0)
ORDER BY 1
"""


def build() -> list:
    gxe = gx_expectations()
    zero = {"min_value": 0, "max_value": 0}
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="account_id", severity=GX_FAIL),
        gxe.ExpectColumnValuesToNotBeNull(column="business_date", severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeBetween(
            column="cash__left_minus_unconsumed", **zero, severity=GX_FAIL
        ),
        gxe.ExpectColumnValuesToBeBetween(column="trial__left", min_value=0, severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeBetween(column="discount__left", min_value=0, severity=GX_FAIL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="unconsumed_cash__floor_0",
            column_B="refundable_now",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_FAIL,
        ),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, **zero, severity=GX_WARN)
            for c in (
                "over_invoiced__vs_formula",
                "refundable_now__vs_formula",
                "invoiceable_now__vs_formula",
            )
        ],
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_WARN)
            for c in NOT_NEGATIVE
        ],
    ]


SUITE = TableSuite(
    table="marts.account_balances",
    **schema_fields("marts.account_balances"),
    build=build,
    partition_by="business_date",
    gx_run_date_only=True,
    sweep_from="intermediate.int_balance__positions",
    derived=DERIVED,
    sql_checks=(
        SqlCheck(
            "(account_id, business_date) unique across marts.account_balances:"
            " no two balance positions of an account cover one date",
            FAIL,
            POSITIONS_DISJOINT,
            requires=("intermediate.int_balance__positions",),
        ),
        SqlCheck(
            "per account on the run's date: cash + trial + discount consumed + uncovered"
            " = usage amount",
            FAIL,
            USAGE_RECONCILES,
            requires=("staging.usage",),
        ),
        SqlCheck(
            "rows for the run's business date",
            WARN,
            "SELECT 'no row has business_date=' || $business_date::VARCHAR "
            "WHERE EXISTS (SELECT 1 FROM marts.account_balances) AND NOT EXISTS "
            "(SELECT 1 FROM marts.account_balances WHERE business_date = $business_date)",
        ),
    ),
)
