"""The audit step: the next warehouse beside the published one (staging views, load_audit,
quarantine, intermediate, marts, violations), then expectations.validate_marts."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from core.config import Config
from core.db import AuditContext, connect
from core.errors import ValidationFailed
from expectations import preload, rebuild_index, validate_marts
from ledger_audit.pipeline.handover import read_load_state
from ledger_audit.publish import (
    WarehousePaths,
    finish_build,
    out_of_space,
    record_built,
    remove_db,
)
from transforms.changes import fingerprint, published_fingerprint, since
from transforms.intermediate.balance import keep_published
from transforms.staging.stg_sources import published_catalog, stage

log = logging.getLogger(__name__)

RUN_DDL = """
CREATE OR REPLACE TABLE meta.run (
    business_date DATE NOT NULL, landing VARCHAR NOT NULL, lake VARCHAR NOT NULL,
    files BIGINT NOT NULL, built_at TIMESTAMPTZ NOT NULL,
    fingerprint VARCHAR NOT NULL  -- settings and code (transforms.changes): what a next night may carry
)"""


def audit(landing: str | Path, warehouse: str | Path, business_date: dt.date,
          config: Config | None = None) -> dict:
    """Build the next warehouse beside the published one and validate its marts.

    On success it waits at `<warehouse>.next` for publish; on any failure nothing is left
    behind and the published warehouse is untouched."""
    from transforms.build import build_all

    config = config or Config()
    ctx = AuditContext(business_date, config)
    paths = WarehousePaths(Path(warehouse))
    with paths.locked():
        state = read_load_state(paths, business_date)
        remove_db(paths.building)
        remove_db(paths.next)
        warnings: list[str] = []
        con = None
        try:
            preload()  # GX's import overlaps the build instead of following it
            printed = fingerprint(ctx)  # the settings and code, hashed once
            con = start_build(paths, ctx, printed)
            previous = None
            if published := paths.warehouse.exists():
                con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(paths.warehouse)})
            # duplicates: the published night's verdicts carried where that is exact
            notes = stage(con, state["entries"], paths.lake, carried=state["carried"],
                          previous=published_catalog(con), fingerprint=printed,
                          verdicts=paths.verdicts(business_date))
            if published and con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev'"
                    " AND schema_name = 'marts' AND table_name = 'violations'").fetchone()[0]:
                previous = "prev.marts.violations"
            with said_by("transforms") as path:  # what the night carried, or why it did not
                changes = since(con, ctx, paths.lake, "prev" if published else None, printed)
                build_all(con, ctx, previous, changes)
            warnings += list(validate_marts(con, ctx, paths.docs) or [])
            con.execute(RUN_DDL)
            con.execute("INSERT INTO meta.run VALUES ($d, $landing, $lake, $n, now(), $f)",
                        {"d": business_date, "landing": state["landing"], "lake": str(paths.lake),
                         "n": len(state["entries"]), "f": printed})
            summary = summarise(con)
            if previous:
                con.execute("DETACH prev")
            record_built(con)
            c, con = con, None
            finish_build(c, paths.building)  # raises if the file is not whole (a full disk)
            paths.building.rename(paths.next)
        except BaseException as exc:
            if con is not None:
                con.close()
            remove_db(paths.building)
            if (full := out_of_space(exc, paths.warehouse)) is not None:
                raise full from None
            if isinstance(exc, Exception) and not isinstance(exc, ValidationFailed):
                index_data_docs(paths.docs)  # a failed marts validation rebuilt it already
            raise
    summary["path"] = path
    return {"business_date": business_date.isoformat(), "next": str(paths.next),
            "warnings": state["warnings"] + warnings, "staging": notes, **summary}


def start_build(paths: WarehousePaths, ctx: AuditContext, printed: str) -> duckdb.DuckDBPyConnection:
    """The build's database: a new file, or a copy of the published warehouse when that was
    built with tonight's settings and code (`printed`), and so in tonight's storage format.
    From a copy, everything is dropped but the balance engine's tables, whose published rows
    a restarted replay keeps in place (balance.keep_published): copying the file costs a
    fraction of a second where copying those rows one by one cost seconds on a big day."""
    published, wal = paths.warehouse, paths.warehouse.with_name(paths.warehouse.name + ".wal")
    if published.exists() and not wal.exists() and _fingerprint_of(published) == printed:
        shutil.copyfile(published, paths.building)
        con = connect(paths.building, ctx)
        keep_published(con)
        return con
    return connect(paths.building, ctx, new=True)


def _fingerprint_of(warehouse: Path) -> str | None:
    """The settings and code the warehouse was built with (meta.run), None if it says none."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        return published_fingerprint(con, con.execute("SELECT current_database()").fetchone()[0])
    finally:
        con.close()


def index_data_docs(docs: Path) -> None:
    """After a night that stopped in the audit: the Data Docs index, which the sources'
    validation leaves to the marts' (expectations.validate_sources), lists tonight's results.
    Best effort: the night's own error is what is raised."""
    if not docs.is_dir():
        return
    try:
        rebuild_index(docs)
    except Exception as exc:  # noqa: BLE001 - never hide the night's error behind this one
        log.warning("data docs: the index was not rebuilt: %s", exc)


@contextlib.contextmanager
def said_by(logger: str) -> Iterator[list[str]]:
    """The INFO lines `logger` (and its children) log inside the block, also when the CLI
    configures no logging: the build says there which path the night took and why."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    log, keep = logging.getLogger(logger), Keep(logging.INFO)
    level = log.level
    log.addHandler(keep)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        log.removeHandler(keep)
        log.setLevel(level)


def summarise(con: duckdb.DuckDBPyConnection) -> dict:
    """Per source, the files and rows read, loaded, dropped and quarantined; per rule, the
    violations found."""
    sources = {}
    for row in con.execute(
            "SELECT source, count(*), sum(rows_read), sum(rows_loaded), sum(rows_duplicate),"
            " sum(rows_quarantined) FROM marts.load_audit GROUP BY source ORDER BY source").fetchall():
        sources[row[0]] = dict(zip(("files", "rows_read", "rows_loaded", "rows_duplicate",
                                    "rows_quarantined"), map(int, row[1:])))
    try:
        violations = dict(con.execute(
            "SELECT rule_id, count(*) FROM marts.violations GROUP BY rule_id ORDER BY rule_id").fetchall())
    except duckdb.Error:
        violations = {}
    return {"sources": sources, "violations": violations}
