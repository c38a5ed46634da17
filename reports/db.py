"""Reading the published warehouse for a pack: query results as polars frames (Arrow, no
Python loop over rows)."""

from __future__ import annotations

import duckdb
import polars as pl


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    """The rows of `sql` (parameters bound as $name) as a polars frame."""
    # every other query on a pack's connection is fetched to the end (fetchall), which duckdb
    # 2.0 requires before a relation can run on the same connection
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())
