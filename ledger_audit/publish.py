"""Where a warehouse's files live, and publishing a built warehouse atomically.

    out/warehouse.duckdb            the published warehouse (analysts open it read-only)
    out/warehouse.duckdb.building   the next warehouse while `audit` builds it
    out/warehouse.duckdb.next       built and validated, waiting for `publish`
    out/warehouse.duckdb.lock       held by a step while it writes (one night at a time)
    out/warehouse.lake/             immutable typed landing files (transforms/landing/)
    out/warehouse.lake/_loads/D.json  what `load` found for date D (read by validate and audit)
    out/warehouse.lake/_loads/D.verdicts/  the duplicate verdicts `validate` reached on the new
                                    files, for `audit` (named by a hash of what they follow from)
    out/warehouse.gx/               Great Expectations Data Docs

Publishing is one os.replace of `.next` onto the published file: readers that already have the
old file open keep reading its inode, new readers see the new file, nobody sees half of one.
The warehouse file holds marts and views over the lake, so what is replaced is small.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import AuditError


@dataclass(frozen=True)
class WarehousePaths:
    warehouse: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "warehouse", Path(self.warehouse).absolute())

    def _beside(self, suffix: str) -> Path:
        return self.warehouse.with_name(self.warehouse.name + suffix)

    @property
    def building(self) -> Path:
        return self._beside(".building")

    @property
    def next(self) -> Path:
        return self._beside(".next")

    @property
    def lock(self) -> Path:
        return self._beside(".lock")

    @property
    def lake(self) -> Path:
        return self.warehouse.with_suffix(".lake")

    @property
    def docs(self) -> Path:
        return self.warehouse.with_suffix(".gx")

    def load_state(self, business_date) -> Path:
        return self.lake / "_loads" / f"{business_date.isoformat()}.json"

    def verdicts(self, business_date) -> Path:
        """The duplicate verdicts the validate step hands to the audit step (stg_sources.stage)."""
        return self.lake / "_loads" / f"{business_date.isoformat()}.verdicts"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the warehouse's write lock; a second writer fails at once, naming the lock."""
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AuditError(f"another run is writing {self.warehouse} (lock {self.lock})") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def remove_db(path: Path) -> None:
    """A DuckDB file and its write-ahead log."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def built_date(path: Path) -> str | None:
    """The business date a built warehouse file is for (meta.run), None if it has none."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("SELECT strftime(max(business_date), '%Y-%m-%d') FROM meta.run").fetchone()
        return row[0] if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


BUILT_DDL = "CREATE OR REPLACE TABLE meta.built_tables (schema_name VARCHAR, table_name VARCHAR, n BIGINT)"
REQUIRED_SCHEMAS = ("meta", "staging", "marts")


def record_built(con: duckdb.DuckDBPyConnection) -> None:
    """Write down every table of the build and its row count, for verify_built to compare with
    what a fresh read-only open of the file finds."""
    con.execute(BUILT_DDL)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND NOT temporary AND schema_name IN ('meta', 'intermediate', 'marts')"
        " AND NOT (schema_name = 'meta' AND table_name = 'built_tables')"
        " ORDER BY ALL").fetchall()
    for schema, table in tables:
        n = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        con.execute("INSERT INTO meta.built_tables VALUES ($s, $t, $n)",
                    {"s": schema, "t": table, "n": n})


def finish_build(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Checkpoint and close a build, raising what close() would swallow: DuckDB's close does not
    raise when its final checkpoint fails (a full disk), leaving the data in a WAL beside a file
    that lacks it."""
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    verify_built(path)


def verify_built(path: Path) -> None:
    """Reopen a built warehouse read-only and check it is whole: no WAL left beside it, every
    schema present, every table written down by record_built there with its row count."""
    wal = path.with_name(path.name + ".wal")
    if wal.exists() and wal.stat().st_size:
        raise AuditError(f"the build {path} was not completely written: its write-ahead log"
                         f" {wal.name} is left over (is the disk full?)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise AuditError(f"the build {path} cannot be opened: {_first(exc)}") from None
    try:
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()"
                                             " WHERE database_name = current_database()").fetchall()}
        if lost := [s for s in REQUIRED_SCHEMAS if s not in schemas]:
            raise AuditError(f"the build {path} lacks schema(s) {', '.join(lost)}")
        try:
            built = con.execute("SELECT schema_name, table_name, n FROM meta.built_tables").fetchall()
        except duckdb.Error:
            raise AuditError(f"the build {path} lacks meta.built_tables (incomplete build)") from None
        for schema, table, n in built:
            try:
                found = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            except duckdb.Error:
                raise AuditError(f"the build {path} lacks {schema}.{table}") from None
            if found != n:
                raise AuditError(f"the build {path} has {found} rows in {schema}.{table}, {n} were"
                                 " written")
    finally:
        con.close()


def _first(exc: BaseException) -> str:
    return next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)


def out_of_space(exc: BaseException, where: Path) -> AuditError | None:
    """A one-line error saying the disk is full, if `exc` is that; None otherwise."""
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) \
            or "No space left on device" in text or "Disk quota exceeded" in text:
        return AuditError(f"disk full: no space left on the device of {where} while writing the"
                          " warehouse; free space and run again (the published warehouse is"
                          " unchanged)")
    return None


def publish(warehouse: str | Path) -> dict:
    """Move the built, validated warehouse into place. Idempotent: with nothing waiting, the
    published warehouse stays and the answer says so."""
    paths = WarehousePaths(Path(warehouse))
    with paths.locked():
        if not paths.next.exists():
            if paths.warehouse.exists():
                return {"published": False, "warehouse": str(paths.warehouse),
                        "business_date": built_date(paths.warehouse),
                        "reason": "nothing waiting to publish; the published warehouse is current"}
            raise AuditError(f"nothing to publish at {paths.next}: run load, validate and audit first")
        verify_built(paths.next)  # never publish a build that is not whole
        date = built_date(paths.next)
        os.replace(paths.next, paths.warehouse)
        dir_fd = os.open(paths.warehouse.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename survives a power cut
        finally:
            os.close(dir_fd)
    return {"published": True, "warehouse": str(paths.warehouse), "business_date": date}
