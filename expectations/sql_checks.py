"""Checks that need the whole table, run as SQL on DuckDB: the table's columns are all there and
its money columns exact (`structure`), and each suite's `SqlCheck`s (`run_check`: key
uniqueness across partitions, totals, cross-table reconciliations)."""

from __future__ import annotations

import duckdb

from core.sql import bind
from expectations.base import FAIL, SqlCheck, TableSuite
from expectations.findings import Results

DECIMAL_TYPES = ("DECIMAL", "HUGEINT", "BIGINT", "INTEGER")  # exact types a money column may have


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1)
    return (
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = $s AND table_name = $t",
            {"s": schema, "t": name},
        ).fetchone()[0]
        > 0
        or con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = $s AND view_name = $t",
            {"s": schema, "t": name},
        ).fetchone()[0]
        > 0
    )


def structure(con: duckdb.DuckDBPyConnection, suite: TableSuite, results: Results) -> bool:
    """Contract columns present (fail) and money columns exact (fail: no float money). False
    when columns are missing: the table's other checks are not run."""
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = $s AND table_name = $t",
            {"s": suite.schema, "t": suite.name},
        ).fetchall()
    )
    missing = [c for c in suite.columns if c not in types]
    if missing:
        results.fail_sql(suite, "contract columns present", f"missing {', '.join(missing)}")
        return False
    results.sql_outcome(suite.table, "contract columns present", FAIL, "passed")
    floats = [
        f"{c} is {types[c]}"
        for c in suite.money_columns
        if not types[c].startswith(DECIMAL_TYPES)
    ]
    if floats:
        results.fail_sql(suite, "money columns are exact DECIMAL, not float", "; ".join(floats))
    else:
        results.sql_outcome(suite.table, "money columns are exact DECIMAL", FAIL, "passed")
    return True


def run_check(con: duckdb.DuckDBPyConnection, suite: TableSuite, check: SqlCheck,
              params: dict[str, object], results: Results) -> None:
    """One SqlCheck: skipped when a table it requires is missing, else passed or failed with
    the number of offending rows and the first one."""
    for table in check.requires:
        if not table_exists(con, table):
            results.sql_outcome(suite.table, check.name, check.level, "skipped",
                                f"{table} does not exist")
            return
    rows = con.execute(
        f"SELECT count(*) OVER (), * FROM ({check.sql}) LIMIT 1", bind(check.sql, params)
    ).fetchall()
    if not rows:
        results.sql_outcome(suite.table, check.name, check.level, "passed")
        return
    n, first = rows[0][0], rows[0][1]
    results.fail_sql(suite, check.name, f"{n} offending rows, e.g. {first}", check.level)
