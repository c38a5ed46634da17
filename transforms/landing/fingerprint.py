"""A landing file's content hash, and the lake stem it maps to."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def stem_of(file: str, sha256: str) -> str:
    return hashlib.sha256(f"{file}\n{sha256}".encode()).hexdigest()[:16]
