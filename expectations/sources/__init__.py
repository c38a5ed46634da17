"""One suite per landing-zone source, each in its own module named after the source."""

from __future__ import annotations

import importlib

from expectations.base import TableSuite
from transforms.sources import SOURCES


def suite(source: str) -> TableSuite:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    return importlib.import_module(f"expectations.sources.{source}").SUITE


def all_suites() -> dict[str, TableSuite]:
    return {s: suite(s) for s in SOURCES}
