"""marts.identity_clusters: one row per account (rules.md §3).

Fail: account_id and cluster_id present; cluster_size >= 1; links parse as JSON; account_id
unique (SQL). Warn: cluster_size equals the number of rows with that cluster_id.
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


def build() -> list:
    gxe = gx_expectations()
    return [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c, severity=GX_FAIL)
            for c in ("account_id", "cluster_id", "cluster_size")
        ],
        gxe.ExpectColumnValuesToBeBetween(column="cluster_size", min_value=1, severity=GX_FAIL),
        gxe.ExpectColumnValuesToBeJsonParseable(column="links", severity=GX_FAIL),
    ]


SUITE = TableSuite(
    table="marts.identity_clusters",
    **schema_fields("marts.identity_clusters"),
    build=build,
    sql_checks=(
        key_unique("marts.identity_clusters", ("account_id",), None, FAIL),
        SqlCheck(
            "cluster_size = rows in the cluster",
            WARN,
            "SELECT cluster_id::VARCHAR || ': cluster_size ' || any_value(cluster_size)::VARCHAR"
            " || ' but ' || count(*)::VARCHAR || ' rows' FROM marts.identity_clusters"
            " GROUP BY cluster_id HAVING count(DISTINCT cluster_size) > 1"
            " OR any_value(cluster_size) <> count(*) ORDER BY 1",
        ),
    ),
)
