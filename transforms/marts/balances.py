"""marts.account_balances, marts.topup_positions and marts.funding_breaks (data-contract.md),
from the balance engine's intermediate tables. The SQL, with each table's grain and money
columns, is in balances.sql beside this file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.db import AuditContext
from transforms.intermediate.balance import unordered_inserts

SQL = Path(__file__).resolve().with_suffix(".sql")


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    with unordered_inserts(con):
        con.execute(SQL.read_text(encoding="utf-8"))
