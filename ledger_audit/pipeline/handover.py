"""What one step leaves on disk for the next: the DAG runs each step in its own process, so the
load step's result is a file (`<lake>/_loads/D.json`) and the published warehouse's manifest
(`meta.lake_files`) says what was loaded before."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from core.errors import AuditError
from ledger_audit.publish import WarehousePaths
from transforms.landing import LakeEntry
from transforms.staging.stg_sources import published_entries


def published_entries_of(paths: WarehousePaths) -> list[LakeEntry]:
    """The lake files the published warehouse was built from (none before the first night)."""
    if not paths.warehouse.exists():
        return []
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(paths.warehouse)})
        has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev'"
                          " AND schema_name = 'meta' AND table_name = 'lake_files'").fetchone()[0]
        return published_entries(con, "prev") if has else []
    finally:
        con.close()


def read_load_state(paths: WarehousePaths, business_date: dt.date) -> dict:
    """What the load step left for this night (`<lake>/_loads/D.json`), its entries typed."""
    path = paths.load_state(business_date)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditError(f"no load for {business_date} at {path}: run the load step first") from None
    for k in ("entries", "carried"):
        state[k] = [LakeEntry(**e) for e in state[k]]
    return state
