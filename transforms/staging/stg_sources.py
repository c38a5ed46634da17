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

A night does not judge all of history again when it need not: if the published warehouse judged
exactly tonight's old files of a source and every new file comes after all of them in (dt,
file), the published verdicts stand and only the new rows are judged, against the old rows that
share a key with one of them (the old files read for their key columns alone). Otherwise (a late
file, a re-run of an earlier date, a changed file) every file is judged again, and the night's
summary says why (tests/test_nights.py holds both paths to a run from scratch).

Only the few excluded rows are stored (`meta.excluded_rows`); the staging views read the listed
lake files (absolute paths, never a glob, so files of an unfinished run stay invisible) and
anti-join them. Publishing therefore never copies history: the warehouse file holds marts and
views, the lake holds the rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import duckdb

from core.sql import ident, literal
from transforms.changes import published_fingerprint
from transforms.landing import LakeEntry
from transforms.landing.read import exact_path
from transforms.marts.load_audit import build as load_audit
from transforms.marts.quarantine import build as quarantine
from transforms.sources import SOURCES, Source

log = logging.getLogger(__name__)

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


def find_excluded(con: duckdb.DuckDBPyConnection, src: Source, paths: list[Path],
                  old: dict[str, Path] | None = None) -> None:
    """Append the source's duplicate and conflicting rows to meta.excluded_rows.

    Only rows whose key occurs more than once are compared, as typed values (12.3 = 12.30, an
    instant is the same in any offset); extra landing columns never reach the lake.

    `old`: landing file -> lake file, of files whose excluded rows are already in meta.excluded_rows and whose rows all
    come before every row of `paths` in (_dt, _file, _row). Then only the rows of `paths` are
    judged, against the old rows that share a key with one of them: the old files are read for
    their key columns alone, and whole only where such a row is (incremental_excluded)."""
    key = ", ".join(ident(k) for k in src.key)
    key_text = " || ', ' || ".join(f"{literal(k + '=')} || {ident(k)}::VARCHAR" for k in src.key)
    content = "struct_pack(" + ", ".join(f"{ident(c.name)} := {ident(c.name)}" for c in src.columns) + ")"
    rows, judged = _scan(paths), ""
    repeated = f"SELECT {key} FROM {rows} GROUP BY ALL HAVING count(*) > 1"
    if old:
        # the new rows grouped by key once: a key twice among them is repeated, and so is a key
        # of an earlier file's row (few: the duplicates), found by probing the old files' keys
        # against the new ones (history is read for its key columns alone, never grouped)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _new_keys AS SELECT {key}, count(*) AS _n"
                    f" FROM {_scan(paths)} GROUP BY ALL")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _old_hits AS SELECT {key}, o._file, o._row"
                    f" FROM (SELECT {key}, _file, _row FROM {_scan(list(old.values()))}) o"
                    f" SEMI JOIN _new_keys n USING ({key})")
        hit_files = {f for (f,) in con.execute("SELECT DISTINCT _file FROM _old_hits").fetchall()}
        hits = [old[f] for f in sorted(hit_files)]
        rows = f"(SELECT *, true AS _new FROM {_scan(paths)}"
        if hits:
            rows += (f" UNION ALL BY NAME SELECT *, false AS _new FROM {_scan(hits)}"
                     " WHERE (_file, _row) IN (SELECT (_file, _row) FROM _old_hits)")
        rows += ")"
        repeated = (f"SELECT {key} FROM _new_keys WHERE _n > 1"
                    f" UNION SELECT {key} FROM _old_hits")
        judged = " AND _new"
    con.execute(f"""
        INSERT INTO meta.excluded_rows
        WITH repeated AS ({repeated}),
             ranked AS (
                SELECT f.*, {content} AS _content, row_number() OVER w AS n,
                       first_value({content}) OVER w AS first_content,
                       first_value(_file) OVER w AS first_file,
                       first_value(_row) OVER w AS first_row
                FROM {rows} f SEMI JOIN repeated USING ({key})
                WINDOW w AS (PARTITION BY {key} ORDER BY _dt, _file, _row))
        SELECT $source, _dt, _file, _row,
               CASE WHEN _content IS NOT DISTINCT FROM first_content THEN 'duplicate' ELSE 'conflict' END,
               CASE WHEN _content IS DISTINCT FROM first_content THEN 'conflicting copy of ' || {key_text}
                    || ' first loaded from ' || first_file || ' row ' || first_row END,
               CASE WHEN _content IS DISTINCT FROM first_content THEN to_json(_content) END
        FROM ranked WHERE n > 1{judged}
        ORDER BY _dt, _file, _row""", {"source": src.name})
    if old:
        con.execute("DROP TABLE _old_hits")
        con.execute("DROP TABLE _new_keys")


def published_catalog(con: duckdb.DuckDBPyConnection, catalog: str = "prev") -> str | None:
    """`catalog` if it is attached and holds the excluded rows and load audit of a published
    night (a warehouse of an older version may lack them), else None."""
    n = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = $c AND"
                    " ((schema_name = 'meta' AND table_name IN ('excluded_rows', 'lake_files'))"
                    " OR (schema_name = 'marts' AND table_name = 'load_audit'))",
                    {"c": catalog}).fetchone()[0]
    return catalog if n == 3 else None


def incremental_excluded(con: duckdb.DuckDBPyConnection, source: str, mine: list[LakeEntry],
                         previous: str | None, same_code: bool,
                         ) -> tuple[list[LakeEntry], list[LakeEntry]] | str:
    """Whether this source's duplicates can be judged for its new files alone: (old, new)
    entries, after copying the published warehouse's excluded rows of the old files; else why
    not, in words (then every file is judged again).

    Exact when the old files are the very files the published night judged (its load_audit),
    unchanged, and every new file comes after all of them in (dt, file): no new row comes
    before an old one, so no old row's verdict can change, and a new row's first copy is the
    first of the rows of its key, old or new. `same_code`: the published night was built with
    tonight's settings and code (its fingerprint, read once by stage)."""
    if previous is None:
        return "no published warehouse"
    if not same_code:
        return "the settings or the audit's code changed since the published night"
    judged = {(str(d), f): sha for d, f, sha in con.execute(
        f"SELECT dt, file, sha256 FROM {previous}.marts.load_audit WHERE source = $s",
        {"s": source}).fetchall()}
    listed = con.execute(f"SELECT count(*) FROM {previous}.meta.lake_files WHERE source = $s",
                         {"s": source}).fetchone()[0]
    if listed != len(judged):
        return "the published night was a re-run of an earlier date (files of later dates carried)"
    old = [e for e in mine if judged.get((e.dt, e.file)) == e.sha256]
    if len(old) != len(judged):
        return "a file the published night judged is not in tonight's files, or changed"
    if not old:
        return "no file of it was published"
    new = [e for e in mine if judged.get((e.dt, e.file)) != e.sha256]
    last = max((e.dt, e.file) for e in old)
    if early := [e for e in new if (e.dt, e.file) <= last]:
        return (f"{early[0].file} comes before the last published file {last[1]}: a late file"
                " can change the verdict of rows loaded before")
    con.execute(f"INSERT INTO meta.excluded_rows SELECT * FROM {previous}.meta.excluded_rows"
                " WHERE source = $s", {"s": source})
    return old, new


def _verdicts_file(folder: Path, source: str, old: list[LakeEntry], new: list[LakeEntry],
                   fingerprint: str) -> Path:
    """Where the verdicts on `new` judged against `old` are kept: named by a hash of everything
    they follow from (the source, each file's content, the settings and code), so a file found
    there is the verdict of exactly these inputs."""
    inputs = {"source": source, "code": fingerprint,
              "old": [[e.dt, e.file, e.sha256] for e in old],
              "new": [[e.dt, e.file, e.sha256] for e in new]}
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:32]
    return folder / f"{source}-{key}.parquet"


def _judge_new(con: duckdb.DuckDBPyConnection, src: Source, old: list[LakeEntry],
               new: list[LakeEntry], lake: Path, verdicts: Path | None,
               fingerprint: str | None) -> str:
    """Judge the new files of a source against its old ones (no old ones: every file) into
    meta.excluded_rows, or take the verdicts an earlier step of the night wrote for the same
    inputs; say which. Verdicts are handed over only when the settings and code they follow
    from (`fingerprint`) are known."""
    kept = (_verdicts_file(verdicts, src.name, old, new, fingerprint)
            if verdicts and fingerprint else None)
    if kept is not None and kept.exists():
        con.execute("INSERT INTO meta.excluded_rows"
                    f" SELECT * FROM read_parquet({literal(str(kept))})")
        return " (the verdicts the validate step reached on the same files)"
    find_excluded(con, src, [e.parquet(lake) for e in new], {e.file: e.parquet(lake) for e in old})
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        part = kept.with_name(kept.name + ".part")
        con.execute(f"COPY (SELECT * FROM meta.excluded_rows WHERE source = $s AND file IN"
                    f" (SELECT unnest($files))) TO {literal(str(part))} (FORMAT parquet)",
                    {"s": src.name, "files": [e.file for e in new]})
        os.replace(part, kept)  # whole or absent: a crash leaves only the .part behind
    return ""


def stage(con: duckdb.DuckDBPyConnection, entries: list[LakeEntry], lake: Path,
          views_of: set[str] | None = None, carried: list[LakeEntry] = (),
          previous: str | None = None, fingerprint: str | None = None,
          verdicts: Path | None = None) -> list[str]:
    """Create meta.lake_files, meta.excluded_rows, staging.<source>, marts.load_audit and
    marts.quarantine on `con` from the lake entries (all of dt <= the run's date).

    `views_of`: if given, the staging views show only rows of these files (`file` paths); the
    duplicates are still judged against every entry (validation of new partitions).
    `carried`: entries loaded earlier for later dates (a re-run of an earlier date); they stay in
    the manifest meta.lake_files but not in this run's staging or load_audit.
    `previous`: the catalog of the published warehouse, attached: its excluded rows are carried
    for the files it judged when that is exact (incremental_excluded); `fingerprint`: tonight's
    settings and code (transforms.changes.fingerprint), which must be the published night's.
    `verdicts`: a folder where the verdicts on a source's new files are kept for the night's
    next step (the validate step writes them, the audit step reads them: the one costly part,
    reading history's keys, is done once a night; `_verdicts_file` names what they follow from).

    Returns one line per source saying how its duplicates were judged, and why."""
    lake = Path(lake)
    for schema in ("meta", "staging", "marts"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(LAKE_FILES_DDL)
    _insert_entries(con, entries)
    con.execute(EXCLUDED_DDL)
    by_source: dict[str, list[LakeEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.source, e.dt, e.file)):
        by_source.setdefault(e.source, []).append(e)

    notes = []
    same_code = (previous is not None and fingerprint is not None
                 and published_fingerprint(con, previous) == fingerprint)
    for name, src in SOURCES.items():
        mine = by_source.get(name, [])
        if len(mine) and sum(e.rows_valid for e in mine):
            split = incremental_excluded(con, name, mine, previous, same_code)
            if isinstance(split, str):
                # every file judged (no old files whose verdicts stand): handed over the same way
                how = _judge_new(con, src, [], mine, lake, verdicts, fingerprint)
                notes.append(f"{name}: duplicates judged over all {len(mine)} file(s): {split}{how}")
            else:
                old, new = split
                how = _judge_new(con, src, old, new, lake, verdicts, fingerprint) if new else ""
                notes.append(f"{name}: duplicates judged for {len(new)} new file(s) against the"
                             f" keys of {len(old)} published{how}")
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
    for note in notes:
        log.info("%s", note)
    return notes


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
