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
