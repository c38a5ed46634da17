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
    naming every file or folder skipped (unknown folders, files outside dt=YYYY-MM-DD/, subfolders,
    other extensions) and every empty file. Hidden and `_`-prefixed files
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
        for part in sorted(src_dir.iterdir()):
            if part.name.startswith((".", "_")):
                continue
            if not part.is_dir():
                # the contract places files only inside dt=YYYY-MM-DD/: never skip one in silence
                warnings.append(f"skipped {src_dir.name}/{part.name}: a file directly in"
                                f" {src_dir.name}/ has no dt=YYYY-MM-DD/ folder")
                continue
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
                if f.name.startswith((".", "_")):
                    continue
                rel = f.relative_to(landing).as_posix()
                if f.is_dir():
                    warnings.append(f"skipped folder {rel}/: the contract places files directly"
                                    f" in {src_dir.name}/{part.name}/, not in subfolders")
                    continue
                if not f.is_file():
                    warnings.append(f"skipped {rel}: not a regular file")
                    continue
                if not f.name.endswith(FORMATS):
                    warnings.append(f"skipped {rel}: not one of {', '.join(FORMATS)}")
                    continue
                if f.stat().st_size == 0:
                    # one rule for every format: a file of no bytes holds no rows
                    warnings.append(f"{rel} is empty (0 bytes): loaded as no rows")
                files.append(LandingFile(src_dir.name, day, rel, f))
    return files, warnings
