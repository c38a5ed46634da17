"""Finding the landing files of the contract's sources: <source>/dt=YYYY-MM-DD/<name>.<ext>."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import BadFileError
from transforms.sources import FORMATS, SOURCES

_DT_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class LandingFile:
    source: str
    dt: dt.date
    file: str  # path below the landing root, POSIX
    path: Path

    @property
    def fmt(self) -> str:
        return next(f for f in sorted(FORMATS, key=len, reverse=True) if self.file.endswith(f))



def discover(landing: Path, business_date: dt.date) -> tuple[list[LandingFile], list[str]]:
    """Landing files of every contract source with dt <= business_date, sorted; and warnings
    about what was skipped (unknown folders, other extensions). Hidden and `_`-prefixed files
    are in-flight uploads or markers (_SUCCESS) and are skipped silently."""
    landing = Path(landing)
    if not landing.is_dir():
        raise BadFileError(f"landing zone {landing} does not exist")
    files: list[LandingFile] = []
    warnings: list[str] = []
    for src_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        if src_dir.name not in SOURCES:
            if not src_dir.name.startswith((".", "_")):
                warnings.append(f"skipped folder {src_dir.name}/: not a source of the contract")
            continue
        for part in sorted(p for p in src_dir.iterdir() if p.is_dir()):
            m = _DT_DIR.match(part.name)
            try:
                day = dt.date.fromisoformat(m.group(1)) if m else None
            except ValueError:
                day = None
            if day is None:
                warnings.append(f"skipped folder {src_dir.name}/{part.name}/: not dt=YYYY-MM-DD")
                continue
            if day > business_date:
                continue
            for f in sorted(part.iterdir()):
                if f.name.startswith((".", "_")) or not f.is_file():
                    continue
                rel = f.relative_to(landing).as_posix()
                if not f.name.endswith(FORMATS):
                    warnings.append(f"skipped {rel}: not one of {', '.join(FORMATS)}")
                    continue
                files.append(LandingFile(src_dir.name, day, rel, f))
    return files, warnings
