"""Where a warehouse's files live, and publishing a built warehouse atomically.

    out/warehouse.duckdb            the published warehouse (analysts open it read-only)
    out/warehouse.duckdb.building   the next warehouse while `audit` builds it
    out/warehouse.duckdb.next       built and validated, waiting for `publish`
    out/warehouse.duckdb.lock       held by a step while it writes (one night at a time)
    out/warehouse.lake/             immutable typed landing files (transforms/landing/)
    out/warehouse.lake/_loads/D.json  what `load` found for date D (read by validate and audit)
    out/warehouse.gx/               Great Expectations Data Docs

Publishing is one os.replace of `.next` onto the published file: readers that already have the
old file open keep reading its inode, new readers see the new file, nobody sees half of one.
The warehouse file holds marts and views over the lake, so what is replaced is small.
"""

from __future__ import annotations

import contextlib
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
        date = built_date(paths.next)
        os.replace(paths.next, paths.warehouse)
        dir_fd = os.open(paths.warehouse.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename survives a power cut
        finally:
            os.close(dir_fd)
    return {"published": True, "warehouse": str(paths.warehouse), "business_date": date}
