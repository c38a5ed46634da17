"""marts.identity_clusters: every account's identity cluster and the links that put it there."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.db import AuditContext

SQL = Path(__file__).with_suffix(".sql")


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(SQL.read_text(encoding="utf-8"))
