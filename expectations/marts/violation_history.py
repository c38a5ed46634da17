"""marts.violation_history: one row per violation and night seen.

Fail: night, rule_id, subject_id, violation_id present; severity in (violation, risk, break);
amount_at_stake >= 0; (night, rule_id, subject_id) unique (SQL); tonight's rows are exactly
marts.violations (SQL). Warn: no night after the run's date.
GX validates the run's night; the same expectations run as SQL over the earlier nights.
"""

from expectations.base import (
    FAIL,
    GX_FAIL,
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
        *[gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
          for c in ("night", "rule_id", "subject_id", "violation_id", "amount_at_stake")],
        gxe.ExpectColumnValuesToBeInSet(column="severity", value_set=SEVERITIES, severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeBetween(column="amount_at_stake", min_value=0, severity=GX_FAIL),
    ]


SUITE = TableSuite(
    table="marts.violation_history",
    **schema_fields("marts.violation_history"),
    build=build,
    # a row per violation and night: GX sees tonight's rows, the earlier nights are swept in SQL
    partition_by="night",
    gx_run_date_only=True,
    sql_checks=(
        key_unique("marts.violation_history", ("night", "rule_id", "subject_id"), None, FAIL),
        SqlCheck(
            "tonight's rows are marts.violations",
            FAIL,
            "(SELECT 'missing ' || rule_id || '/' || subject_id FROM marts.violations"
            " EXCEPT SELECT 'missing ' || rule_id || '/' || subject_id FROM marts.violation_history"
            " WHERE night = $business_date)"
            " UNION ALL (SELECT 'extra ' || rule_id || '/' || subject_id FROM marts.violation_history"
            " WHERE night = $business_date EXCEPT SELECT 'extra ' || rule_id || '/' || subject_id"
            " FROM marts.violations) ORDER BY 1",
        ),
        SqlCheck(
            "no night after the run's date",
            WARN,
            "SELECT DISTINCT 'night=' || night::VARCHAR FROM marts.violation_history"
            " WHERE night > $business_date ORDER BY 1",
        ),
    ),
)
