"""The lake's record of one loaded landing file, and writing it atomically."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class LakeEntry:
    """One loaded landing file: what the lake holds for it. JSON-able; `dt` is ISO text."""

    source: str
    dt: str
    file: str
    sha256: str
    stem: str
    size: int
    mtime_ns: int
    rows_read: int
    rows_valid: int
    rows_bad: int
    loaded_at: str  # ISO UTC instant of the first load; kept so re-runs are identical
    # the rest of the stat signature (commit.signature); 0 in entries written before it existed,
    # which makes the next load hash the file once
    ctime_ns: int = 0
    inode: int = 0

    def parquet(self, lake: Path) -> Path:
        return lake / self.source / f"dt={self.dt}" / f"{self.stem}.parquet"

    def quarantine(self, lake: Path) -> Path | None:
        if not self.rows_bad:
            return None
        return lake / self.source / f"dt={self.dt}" / f"{self.stem}.quarantine.parquet"

    def to_dict(self) -> dict:
        return asdict(self)


def read_entry(path: Path) -> LakeEntry | None:
    try:
        return LakeEntry(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


SETTINGS = "_settings.json"  # in the lake: the settings its typed files were read under


def check_typing_settings(lake: Path, timezone: str) -> None:
    """Stop the run when a setting that changes typing differs from the one the lake was typed
    under: naive timestamps already loaded would keep the old reading beside new ones."""
    from core.errors import AuditError

    path = Path(lake) / SETTINGS
    try:
        typed_under = json.loads(path.read_text(encoding="utf-8"))["platform.timezone"]
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"platform.timezone": timezone}))
        return
    if typed_under != timezone:
        raise AuditError(
            f"setting platform.timezone is {timezone} but the lake {lake} was typed under"
            f" {typed_under} (naive timestamps are read in it): set platform.timezone back to"
            f" {typed_under}, or remove the lake and the warehouse to load everything again")
