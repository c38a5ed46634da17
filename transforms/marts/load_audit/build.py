"""marts.load_audit: created from its schema.yaml (types, key, the rows_read CHECK), then
filled by query.sql. Called by transforms/staging/stg_sources.py once meta.lake_files and
meta.excluded_rows hold this run's files."""

from __future__ import annotations

import duckdb

from transforms.schema import ddl, table


def build(con: duckdb.DuckDBPyConnection) -> None:
    t = table("marts.load_audit")
    con.execute(ddl(t))
    con.execute(t.query())
