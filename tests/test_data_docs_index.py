"""The Data Docs index (warehouse.gx/index.html) lists the night's validation results however the
night ends. The sources' validation leaves the index to the marts' validation (rebuilding it reads
every kept result, about a second once a month is kept), so these check the endings: the night
passes, the audit stops on an error of its own (a failed check rebuilds the index itself:
tests/test_expectations.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

import transforms.build
from core.config import Config
from ledger_audit.generate import generate
from ledger_audit.pipeline import audit, load, publish, run_night, validate
from ledger_audit.publish import WarehousePaths

END = dt.date(2026, 11, 20)


def _listed(wh: Path, day: dt.date) -> bool:
    """Whether the index lists a validation of staging.usage ending at partition `day` (a
    first night validates its days as one range, `dt=FIRST..LAST`)."""
    index = WarehousePaths(wh).docs / "index.html"
    return re.search(rf"staging\.usage__dt=[0-9.-]*{day}\b", index.read_text(encoding="utf-8")) is not None


@pytest.fixture
def night_before(tmp_path) -> tuple[Path, Path]:
    generate(tmp_path / "landing", accounts=60, days=5, seed=4, end=END)
    wh = tmp_path / "warehouse.duckdb"
    run_night(tmp_path / "landing", wh, END - dt.timedelta(days=1), Config())
    assert _listed(wh, END - dt.timedelta(days=1))
    return tmp_path / "landing", wh


def test_a_night_that_passes_lists_its_sources_once_the_marts_are_validated(night_before):
    landing, wh = night_before
    load(landing, wh, END, Config())
    validate(landing, wh, END, Config())
    assert not _listed(wh, END), "the sources' validation rebuilt the index (the marts' does)"
    audit(landing, wh, END, Config())
    publish(wh)
    assert _listed(wh, END)


def test_an_audit_that_stops_on_its_own_error_still_lists_the_sources(night_before, monkeypatch):
    landing, wh = night_before
    load(landing, wh, END, Config())
    validate(landing, wh, END, Config())

    def broken(*_a, **_k):
        raise RuntimeError("the build broke")

    monkeypatch.setattr(transforms.build, "build_all", broken)
    with pytest.raises(RuntimeError, match="the build broke"):
        audit(landing, wh, END, Config())
    assert _listed(wh, END)
    con = duckdb.connect(str(wh), read_only=True)  # and the published night is untouched
    assert con.execute("SELECT max(business_date) FROM meta.run").fetchone()[0] == END - dt.timedelta(days=1)
    con.close()
