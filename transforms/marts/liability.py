"""marts.liability_caps: every claim's liability cap under Zhipu §9.5 and what is payable."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.db import AuditContext
from core.sql import bind

SQL = Path(__file__).resolve().parent / "liability_caps.sql"


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    sql = SQL.read_text(encoding="utf-8")
    con.execute(sql, bind(sql, ctx.params()))
