"""The night, in four steps that `ledger-audit run`, `demo` and the Airflow DAG all call.

    load      landing files with dt <= D that are new -> the lake (transforms/load.py)
    validate  Great Expectations on the new partitions (expectations.validate_sources)
    audit     the next warehouse beside the published one: staging views, load_audit,
              quarantine, intermediate, marts, violations; then expectations.validate_marts
    publish   os.replace the next warehouse onto the published one (ledger_audit/publish.py)

The DAG runs each step as its own task in its own process, so everything a later step needs is
on disk (`<lake>/_loads/D.json`, `<warehouse>.next`), each step can be re-run, and every step
returns a JSON-able dict (it goes through XCom). A failure before publish leaves the published
warehouse as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from core.config import Config
from core.db import AuditContext, connect
from core.errors import AuditError, BadFileError
from expectations import validate_marts, validate_sources
from ledger_audit.publish import WarehousePaths, remove_db
from ledger_audit.publish import publish as _publish
from transforms.load import (
    LakeEntry,
    discover,
    load_file,
    read_entry,
    sha256_of,
    stem_of,
    write_atomic,
)
from transforms.sources import SOURCES
from transforms.staging.lake import published_entries, stage

Progress = Callable[[str, int, int], None]  # (what, done, total)
DEMO_END = dt.date(2026, 11, 20)

RUN_DDL = """
CREATE OR REPLACE TABLE meta.run (
    business_date DATE NOT NULL, landing VARCHAR NOT NULL, lake VARCHAR NOT NULL,
    files BIGINT NOT NULL, built_at TIMESTAMPTZ NOT NULL
)"""



def _published(paths: WarehousePaths) -> list[LakeEntry]:
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


def _state(paths: WarehousePaths, business_date: dt.date) -> dict:
    path = paths.load_state(business_date)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditError(f"no load for {business_date} at {path}: run the load step first") from None
    for k in ("entries", "carried"):
        state[k] = [LakeEntry(**e) for e in state[k]]
    return state


# ---------------------------------------------------------------------------------------------
# the four steps


def load(landing: str | Path, warehouse: str | Path, business_date: dt.date,
         config: Config | None = None, progress: Progress | None = None) -> dict:
    """Type every landing file with dt <= business_date that is not in the lake yet.

    A file already loaded (same path, same sha256) is not read again; one whose content changed
    since it was published raises BadFileError naming it. Files published earlier but since
    deleted from the landing zone stay (the published manifest is the record)."""
    config = config or Config()
    paths = WarehousePaths(Path(warehouse))
    landing = Path(landing)
    with paths.locked():
        remove_db(paths.next)  # a new load makes any build waiting to be published stale
        published = {(e.source, e.dt, e.file): e for e in _published(paths)}
        files, warnings = discover(landing, business_date)
        entries: list[LakeEntry] = []
        new: list[str] = []  # not in the published warehouse yet
        read = 0  # typed into the lake by this call (the others were there from a crashed run)
        con = duckdb.connect(":memory:")
        try:
            for i, lf in enumerate(files):
                if progress:
                    progress(f"loading {lf.file}", i, len(files))
                before = published.pop((lf.source, lf.dt.isoformat(), lf.file), None)
                st = lf.path.stat()
                if before and (before.size, before.mtime_ns) == (st.st_size, st.st_mtime_ns):
                    entries.append(before)  # unchanged since published: no need to hash it again
                    continue
                sha = sha256_of(lf.path)
                if before and before.sha256 != sha:
                    raise BadFileError(
                        f"{lf.source}: {lf.file} changed after it was loaded on {before.loaded_at}"
                        f" (sha256 was {before.sha256[:16]}, now {sha[:16]}); restore it or move the"
                        " new content to a new file")
                if before:
                    entries.append(before)
                    continue
                in_lake = read_entry(paths.lake / lf.source / f"dt={lf.dt}"
                                     / f"{stem_of(lf.file, sha)}.json")
                entry = in_lake or load_file(con, lf, paths.lake, sha, config.platform.timezone,
                                             stat=st)
                read += in_lake is None
                entries.append(entry)
                new.append(entry.file)
        finally:
            con.close()
        if progress:
            progress("loaded", len(files), len(files))
        # published earlier, gone from the landing zone now: the lake still has the rows
        carried = []
        for e in published.values():
            (entries if e.dt <= business_date.isoformat() else carried).append(e)
        for e in entries:
            for f in (e.parquet(paths.lake), e.quarantine(paths.lake)):
                if f is not None and not f.exists():
                    raise AuditError(f"{e.source}: lake file {f} of {e.file} is missing")
        state = {"business_date": business_date.isoformat(), "landing": str(landing.absolute()),
                 "entries": [e.to_dict() for e in entries], "new": new,
                 "carried": [e.to_dict() for e in carried], "warnings": warnings}
        paths.load_state(business_date).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(paths.load_state(business_date), json.dumps(state, indent=1))
    added = [e for e in entries if e.file in set(new)]
    return {"business_date": business_date.isoformat(), "files": len(entries),
            "new_files": len(new), "files_read": read, "new_rows_read": sum(e.rows_read for e in added),
            "new_rows_bad": sum(e.rows_bad for e in added), "warnings": warnings}


def validate(landing: str | Path, warehouse: str | Path, business_date: dt.date,
             config: Config | None = None) -> dict:
    """Great Expectations on the partitions this night's load added; raises ValidationFailed."""
    config = config or Config()
    paths = WarehousePaths(Path(warehouse))
    state = _state(paths, business_date)
    new = set(state["new"])
    partitions = sorted({(e.source, e.dt) for e in state["entries"] if e.file in new})
    warnings: list[str] = []
    if partitions:
        ctx = AuditContext(business_date, config)
        con = connect(None, ctx)
        try:
            # the new files' rows, duplicates judged against everything loaded before
            stage(con, state["entries"], paths.lake, views_of=new)
            days = [(s, dt.date.fromisoformat(d)) for s, d in partitions]
            warnings += list(validate_sources(con, days, paths.docs) or [])
        finally:
            con.close()
    return {"business_date": business_date.isoformat(),
            "partitions": [list(p) for p in partitions], "warnings": warnings}


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
        state = _state(paths, business_date)
        remove_db(paths.building)
        remove_db(paths.next)
        warnings: list[str] = []
        con = None
        try:
            con = connect(paths.building, ctx, new=True)
            stage(con, state["entries"], paths.lake, carried=state["carried"])
            previous = None
            if paths.warehouse.exists():
                con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(paths.warehouse)})
                if con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'prev'"
                               " AND schema_name = 'marts' AND table_name = 'violations'").fetchone()[0]:
                    previous = "prev.marts.violations"
            build_all(con, ctx, previous)
            warnings += list(validate_marts(con, ctx, paths.docs) or [])
            con.execute(RUN_DDL)
            con.execute("INSERT INTO meta.run VALUES ($d, $landing, $lake, $n, now())",
                        {"d": business_date, "landing": state["landing"], "lake": str(paths.lake),
                         "n": len(state["entries"])})
            summary = _summary(con)
            if previous:
                con.execute("DETACH prev")
            con.close()
            con = None
            paths.building.rename(paths.next)
        except BaseException:
            if con is not None:
                con.close()
            remove_db(paths.building)
            raise
    return {"business_date": business_date.isoformat(), "next": str(paths.next),
            "warnings": state["warnings"] + warnings, **summary}


def publish(warehouse: str | Path) -> dict:
    """Move the audited warehouse into place (ledger_audit.publish.publish)."""
    return _publish(warehouse)


def _summary(con: duckdb.DuckDBPyConnection) -> dict:
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


# ---------------------------------------------------------------------------------------------
# the whole night, and the demo


def run_night(landing: str | Path, warehouse: str | Path, business_date: dt.date,
              config: Config | None = None, progress: Progress | None = None) -> str:
    """load, validate, audit, publish; returns a short printable summary."""
    config = config or Config()
    loaded = load(landing, warehouse, business_date, config, progress=progress)
    if progress:
        progress("validating the new partitions (Great Expectations)", 0, 0)
    checked = validate(landing, warehouse, business_date, config)
    if progress:
        progress("building the warehouse and running the rules", 0, 0)
    audited = audit(landing, warehouse, business_date, config)
    published = publish(warehouse)
    return format_summary(loaded, checked, audited, published)


def format_summary(loaded: dict, checked: dict, audited: dict, published: dict) -> str:
    state = "published" if published.get("published") else "unchanged"
    lines = [(f"ledger-audit run {audited['business_date']}: {loaded['new_files']} new file(s)"
              f" of {loaded['files']} loaded; {state} {published['warehouse']}")]
    head = ("source", "files", "read", "loaded", "duplicate", "quarantined")
    rows = [head] + [(s, *map(str, v.values())) for s, v in audited["sources"].items()]
    tot = [sum(v[k] for v in audited["sources"].values())
           for k in ("files", "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined")]
    rows.append(("total", *map(str, tot)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        lines.append("  " + r[0].ljust(widths[0]) + "".join(
            "  " + c.rjust(w) for c, w in zip(r[1:], widths[1:])))
    n = sum(audited["violations"].values())
    lines.append(f"violations: {n}" + (f" ({len(audited['violations'])} rules)" if n else ""))
    for w in checked["warnings"] + audited["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


@contextlib.contextmanager
def rich_progress(enabled: bool = True) -> Iterator[Progress]:
    """A Progress callback drawing a transient rich bar on stderr (total 0: a spinner)."""
    if not enabled:
        yield lambda what, done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total or None)

        yield progress


def run_demo(out: str | Path, accounts: int = 2000, days: int = 45, seed: int = 7,
             end: dt.date = DEMO_END) -> dict:
    """Generate a demo landing zone under `out`, run the night for its last date, print where
    everything is. Returns the paths and the run's summary."""
    from rich.console import Console
    from rich.table import Table

    try:
        from ledger_audit.generate import generate
    except ImportError as exc:
        raise AuditError(f"the demo generator is not available: {exc}") from None

    out = Path(out)
    landing, warehouse = out / "landing", out / "warehouse.duckdb"
    paths = WarehousePaths(warehouse)
    config = Config()
    with rich_progress() as progress:
        progress(f"generating {accounts:,} accounts x {days} days", 0, 0)
        generate(landing, accounts=accounts, days=days, seed=seed, end=end, usage_rows=None)
        loaded = load(landing, warehouse, end, config, progress=progress)
        progress("validating the new partitions (Great Expectations)", 0, 0)
        checked = validate(landing, warehouse, end, config)
        progress("building the warehouse and running the rules", 0, 0)
        audited = audit(landing, warehouse, end, config)
        published = publish(warehouse)

    out_console = Console()
    table = Table(title=f"ledger-audit demo, business date {end}", title_justify="left")
    for col in ("source", "files", "rows read", "loaded", "duplicates", "quarantined"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for s in SOURCES:
        v = audited["sources"].get(s)
        if v:
            table.add_row(s, *(f"{v[k]:,}" for k in ("files", "rows_read", "rows_loaded",
                                                      "rows_duplicate", "rows_quarantined")))
    out_console.print(table)
    if audited["violations"]:
        vt = Table(title=f"violations: {sum(audited['violations'].values()):,}", title_justify="left")
        vt.add_column("rule")
        vt.add_column("count", justify="right")
        for rule, n in audited["violations"].items():
            vt.add_row(rule, f"{n:,}")
        out_console.print(vt)
    for w in checked["warnings"] + audited["warnings"]:
        out_console.print(f"[yellow]warning:[/] {w}")
    where = {"landing": landing, "warehouse": warehouse, "lake": paths.lake,
             "data docs": paths.docs / "index.html"}  # the e-mail outbox joins when reports land
    for k, v in where.items():
        out_console.print(f"{k:>10}: {v}", soft_wrap=True, highlight=False)
    out_console.print(f"try: ledger-audit sql --warehouse {warehouse} "
                      "\"SELECT * FROM marts.load_audit\"", soft_wrap=True, highlight=False)
    return {"loaded": loaded, "validated": checked, "audited": audited, "published": published,
            "paths": {k: str(v) for k, v in where.items()}}
