"""Lake -> staging: the `staging.<source>` view of every source in the contract
(transforms/sources.py), generated here rather than written as one stg_<source>.sql per source:
they differ only in the contract's columns and key. Then the two marts about loading, each built
in its own folder: `marts.load_audit` (transforms/marts/load_audit/) and `marts.quarantine`
(transforms/marts/quarantine/).

Duplicates are resolved here, over every loaded file of a source at once (rules.md §6
"Duplicates"): rows with the same record key are ordered by (_dt, _file, _row); the first stays;
a later row whose typed content hashes the same is a duplicate (dropped, counted); a later row
that differs is quarantined as a conflicting copy. Because the order is the files' own, results
do not depend on which night a file arrived.

Only the few excluded rows are stored (`meta.excluded_rows`); the staging views read the listed
lake files (absolute paths, never a glob, so files of an unfinished run stay invisible) and
anti-join them. Publishing therefore never copies history: the warehouse file holds marts and
views, the lake holds the rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.sql import ident, literal
from transforms.landing import LakeEntry
from transforms.landing.read import exact_path
from transforms.marts.load_audit import build as load_audit
from transforms.marts.quarantine import build as quarantine
from transforms.sources import SOURCES, Source

EXCLUDED_DDL = """
CREATE OR REPLACE TABLE meta.excluded_rows (
    source VARCHAR NOT NULL, dt DATE NOT NULL, file VARCHAR NOT NULL, row_number BIGINT NOT NULL,
    kind VARCHAR NOT NULL,        -- duplicate | conflict
    reason VARCHAR,               -- conflicts: why, naming the first copy
    raw VARCHAR                   -- conflicts: the typed row as JSON text
)"""

LAKE_FILES_DDL = """
CREATE OR REPLACE TABLE meta.lake_files (
    source VARCHAR NOT NULL, dt DATE NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    stem VARCHAR NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL,
    rows_read BIGINT NOT NULL, rows_valid BIGINT NOT NULL, rows_bad BIGINT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL, ctime_ns BIGINT NOT NULL, inode BIGINT NOT NULL,
    PRIMARY KEY (source, dt, file)
)"""


def _files_literal(paths: list[Path]) -> str:
    # CREATE VIEW cannot bind parameters; these are the lake's own absolute paths
    # (escaped: a lake under a folder named like a glob pattern is still read file by file)
    return "[" + ", ".join(literal(exact_path(p.resolve())) for p in paths) + "]"


def _scan(paths: list[Path]) -> str:
    return f"read_parquet({_files_literal(paths)}, union_by_name=true, hive_partitioning=false)"


def find_excluded(con: duckdb.DuckDBPyConnection, src: Source, paths: list[Path]) -> None:
    """Append the source's duplicate and conflicting rows to meta.excluded_rows.

    Only rows whose key occurs more than once are compared, as typed values (12.3 = 12.30, an
    instant is the same in any offset); extra landing columns never reach the lake."""
    key = ", ".join(ident(k) for k in src.key)
    key_text = " || ', ' || ".join(f"{literal(k + '=')} || {ident(k)}::VARCHAR" for k in src.key)
    content = "struct_pack(" + ", ".join(f"{ident(c.name)} := {ident(c.name)}" for c in src.columns) + ")"
    con.execute(f"""
        INSERT INTO meta.excluded_rows
        WITH repeated AS (SELECT {key} FROM {_scan(paths)} GROUP BY ALL HAVING count(*) > 1),
             ranked AS (
                SELECT f.*, {content} AS _content, row_number() OVER w AS n,
                       first_value({content}) OVER w AS first_content,
                       first_value(_file) OVER w AS first_file,
                       first_value(_row) OVER w AS first_row
                FROM {_scan(paths)} f SEMI JOIN repeated USING ({key})
                WINDOW w AS (PARTITION BY {key} ORDER BY _dt, _file, _row))
        SELECT $source, _dt, _file, _row,
               CASE WHEN _content IS NOT DISTINCT FROM first_content THEN 'duplicate' ELSE 'conflict' END,
               CASE WHEN _content IS DISTINCT FROM first_content THEN 'conflicting copy of ' || {key_text}
                    || ' first loaded from ' || first_file || ' row ' || first_row END,
               CASE WHEN _content IS DISTINCT FROM first_content THEN to_json(_content) END
        FROM ranked WHERE n > 1
        ORDER BY _dt, _file, _row""", {"source": src.name})


def stage(con: duckdb.DuckDBPyConnection, entries: list[LakeEntry], lake: Path,
          views_of: set[str] | None = None, carried: list[LakeEntry] = ()) -> None:
    """Create meta.lake_files, meta.excluded_rows, staging.<source>, marts.load_audit and
    marts.quarantine on `con` from the lake entries (all of dt <= the run's date).

    `views_of`: if given, the staging views show only rows of these files (`file` paths); the
    duplicates are still judged against every entry (validation of new partitions).
    `carried`: entries loaded earlier for later dates (a re-run of an earlier date); they stay in
    the manifest meta.lake_files but not in this run's staging or load_audit."""
    lake = Path(lake)
    for schema in ("meta", "staging", "marts"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(LAKE_FILES_DDL)
    _insert_entries(con, entries)
    con.execute(EXCLUDED_DDL)
    by_source: dict[str, list[LakeEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.source, e.dt, e.file)):
        by_source.setdefault(e.source, []).append(e)

    for name, src in SOURCES.items():
        mine = by_source.get(name, [])
        if len(mine) and sum(e.rows_valid for e in mine):
            find_excluded(con, src, [e.parquet(lake) for e in mine])
        shown = [e for e in mine if views_of is None or e.file in views_of]
        con.execute(f"DROP VIEW IF EXISTS staging.{name}")
        con.execute(f"DROP TABLE IF EXISTS staging.{name}")
        if not shown:
            con.execute(src.ddl(f"staging.{name}"))  # an empty, typed table
            continue
        cols = ", ".join(f"s.{ident(c.name)}" for c in src.columns)
        n_excl = con.execute("SELECT count(*) FROM meta.excluded_rows WHERE source = $s",
                             {"s": name}).fetchone()[0]
        anti = (f" ANTI JOIN (SELECT file, row_number FROM meta.excluded_rows WHERE source = {literal(name)}) x"
                " ON x.file = s._file AND x.row_number = s._row") if n_excl else ""
        con.execute(f"CREATE VIEW staging.{name} AS SELECT {cols}, s._dt, s._file, s._row"
                    f" FROM {_scan([e.parquet(lake) for e in shown])} s{anti}")

    load_audit.build(con)  # before the carried entries join the manifest

    _insert_entries(con, carried)

    quarantine.build(con, [e.quarantine(lake) for e in entries if e.rows_bad])


def _insert_entries(con: duckdb.DuckDBPyConnection, entries) -> None:
    """Append lake entries to meta.lake_files in one statement (executemany took 4 s for the
    ~340 files of 30 nights, and the manifest grows every night)."""
    if not entries:
        return
    import pyarrow as pa

    names = ("source", "dt", "file", "sha256", "stem", "size", "mtime_ns", "rows_read",
             "rows_valid", "rows_bad", "loaded_at", "ctime_ns", "inode")
    rows = pa.table({n: [getattr(e, n) for e in entries] for n in names})
    con.register("_lake_entries", rows)
    try:
        con.execute("""INSERT INTO meta.lake_files
            SELECT source, dt::DATE, file, sha256, stem, size, mtime_ns, rows_read, rows_valid,
                   rows_bad, loaded_at::TIMESTAMPTZ, ctime_ns, inode FROM _lake_entries""")
    finally:
        con.unregister("_lake_entries")


def published_entries(con: duckdb.DuckDBPyConnection, catalog: str = "prev") -> list[LakeEntry]:
    """The manifest of a published warehouse attached as `catalog`."""
    has_stat = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = $c AND schema_name = 'meta'"
        " AND table_name = 'lake_files' AND column_name = 'ctime_ns'", {"c": catalog}).fetchone()[0]
    stat = "ctime_ns, inode" if has_stat else "0, 0"  # published before they were recorded
    rows = con.execute(
        f"SELECT source, strftime(dt, '%Y-%m-%d'), file, sha256, stem, size, mtime_ns, rows_read,"
        f" rows_valid, rows_bad, strftime(loaded_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S+00:00'),"
        f" {stat} FROM {catalog}.meta.lake_files ORDER BY source, dt, file").fetchall()
    return [LakeEntry(*r) for r in rows]
