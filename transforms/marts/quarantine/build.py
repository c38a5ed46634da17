"""marts.quarantine: a view over the lake's quarantine files (rows rejected at load, each with
its reason) and the conflicting copies found at staging (meta.excluded_rows). Python builds it
because the view names the lake files one by one (absolute paths, never a glob, so files of an
unfinished run stay invisible). Called by transforms/staging/stg_sources.py."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.sql import literal
from transforms.landing.read import exact_path

COLUMNS = "source, dt, file, row_number, raw, reason"


def build(con: duckdb.DuckDBPyConnection, quarantine_files: list[Path]) -> None:
    parts = []
    if quarantine_files:
        # CREATE VIEW cannot bind parameters; these are the lake's own absolute paths, escaped
        # so that a lake under a folder named like a glob pattern is still read file by file
        files = "[" + ", ".join(literal(exact_path(p.resolve())) for p in quarantine_files) + "]"
        parts.append(f"SELECT {COLUMNS} FROM read_parquet({files}, union_by_name=true,"
                     " hive_partitioning=false)")
    parts.append(f"SELECT {COLUMNS} FROM meta.excluded_rows WHERE kind = 'conflict'")
    con.execute("CREATE OR REPLACE VIEW marts.quarantine AS " + " UNION ALL ".join(parts))
