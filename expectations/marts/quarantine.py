"""marts.quarantine: one row per rejected input row.

Fail: source (a contract source), dt, file and reason present. Warn: raw present; row_number
>= 1; one row per (source, dt, file, row_number); per (source, dt, file) the rows here match load_audit.rows_quarantined (when both marts
exist; whole-table SQL).
"""

from expectations.base import (
    GX_FAIL,
    GX_WARN,
    WARN,
    SqlCheck,
    TableSuite,
    gx_expectations,
    key_unique,
    schema_fields,
)
from transforms.sources import SOURCES

MATCHES_LOAD_AUDIT = """
WITH q AS (SELECT source, dt, file, count(*) AS n FROM marts.quarantine GROUP BY ALL),
     a AS (SELECT source, dt, file, sum(rows_quarantined) AS n FROM marts.load_audit GROUP BY ALL)
SELECT coalesce(q.source, a.source) || ' dt=' || coalesce(q.dt, a.dt)::VARCHAR || ' '
       || coalesce(q.file, a.file) || ': ' || coalesce(q.n, 0)::VARCHAR || ' quarantined rows, '
       || 'load_audit says ' || coalesce(a.n, 0)::VARCHAR
FROM q FULL JOIN a ON q.source = a.source AND q.dt = a.dt AND q.file = a.file
WHERE coalesce(q.n, 0) <> coalesce(a.n, 0)
ORDER BY 1
"""


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in ("source", "dt", "file", "reason")
        ],
        gxe.ExpectColumnValuesToBeInSet(column="source", value_set=list(SOURCES), severity=GX_FAIL),
        gxe.ExpectColumnValuesToNotBeNull(column="raw", severity=GX_WARN),
        gxe.ExpectColumnValuesToBeBetween(column="row_number", min_value=1, severity=GX_WARN),
    ]


SUITE = TableSuite(
    table="marts.quarantine",
    **schema_fields("marts.quarantine"),
    build=build,
    partition_by="dt",
    sql_checks=(
        key_unique("marts.quarantine", ("source", "dt", "file", "row_number"), None, WARN),
        SqlCheck(
            "rows per file = load_audit.rows_quarantined",
            WARN,
            MATCHES_LOAD_AUDIT,
            requires=("marts.load_audit",),
        ),
    ),
)
