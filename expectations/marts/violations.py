"""marts.violations: one row per (rule_id, subject_id).

Fail: ids, rule_id, severity, clause and subject present; severity in (violation, risk, break);
amount_at_stake >= 0 (exact Decimal comparison); evidence parses as JSON; (rule_id, subject_id)
and violation_id unique (SQL). Warn: first_detected_on <= last_seen_on; every row was seen on
the run's date.
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
from transforms.rules import SEVERITIES as RULE_SEVERITIES

SEVERITIES = list(RULE_SEVERITIES)  # GX takes a list


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in (
                "violation_id",
                "rule_id",
                "severity",
                "clause",
                "subject_type",
                "subject_id",
                "amount_at_stake",
                "evidence",
            )
        ],
        gxe.ExpectColumnValuesToBeInSet(column="severity", value_set=SEVERITIES, severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeBetween(column="amount_at_stake", min_value=0, severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeJsonParseable(column="evidence", severity=GX_FAIL),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="last_seen_on",
            column_B="first_detected_on",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=GX_WARN,
        ),
    ]


SUITE = TableSuite(
    table="marts.violations",
    **schema_fields("marts.violations"),
    build=build,
    sql_checks=(
        key_unique("marts.violations", ("rule_id", "subject_id"), None, FAIL),
        key_unique("marts.violations", ("violation_id",), None, FAIL),
        SqlCheck(
            "last_seen_on = the run's business date",
            WARN,
            "SELECT rule_id || '/' || subject_id || ' last_seen_on=' || "
            "coalesce(last_seen_on::VARCHAR, 'NULL') FROM marts.violations "
            "WHERE last_seen_on IS DISTINCT FROM $business_date ORDER BY 1",
        ),
    ),
)
