"""marts.load_audit: one row per source, partition and landing file.

Fail: rows_read = rows_loaded + rows_duplicate + rows_quarantined on every row; counts present
and not negative; source is a contract source; (source, dt, file) unique (SQL).
Warn: sha256 is 64 hex digits; loaded_at present.
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
from transforms.sources import SOURCES

COUNTS = ("rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined")
DERIVED = {"rows_read__negated": "-rows_read"}


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in ("source", "dt", "file", *COUNTS)
        ],
        gxe.ExpectColumnValuesToBeInSet(column="source", value_set=list(SOURCES), severity=GX_FAIL),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_FAIL)
            for c in COUNTS
        ],
        gxe.ExpectMulticolumnSumToEqual(
            column_list=["rows_loaded", "rows_duplicate", "rows_quarantined", "rows_read__negated"],
            sum_total=0,
            severity=GX_FAIL,
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="sha256", regex=r"^[0-9a-f]{64}$", severity=GX_WARN
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="loaded_at", severity=GX_WARN),
    ]


SUITE = TableSuite(
    table="marts.load_audit",
    **schema_fields("marts.load_audit"),
    build=build,
    partition_by="dt",
    derived=DERIVED,
    sql_checks=(key_unique("marts.load_audit", ("source", "dt", "file"), None, FAIL),),
)
