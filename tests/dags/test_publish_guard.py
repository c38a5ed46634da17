"""The DAG's publish step puts in place only the build of its own night: a cleared `publish`
whose audit was since redone for another date, or a night that was never built, fails with a
message saying to clear the run from `load`, and the published warehouse stays as it was."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from core.errors import AuditError
from ledger_audit import pipeline
from ledger_audit.airflow_support import _publish_for
from ledger_audit.publish import record_built


def built_for(path, day: str) -> None:
    """A build for `day` that publish verifies as whole (its schemas, its tables written down)."""
    con = duckdb.connect(str(path))
    for schema in ("meta", "staging", "marts"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE meta.run AS SELECT $d::DATE AS business_date", {"d": day})
    record_built(con)
    con.close()


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    built_for(path, "2026-11-18")
    return path


def test_publishes_the_build_of_its_own_night(warehouse):
    built_for(warehouse.with_name(warehouse.name + ".next"), "2026-11-19")
    result = _publish_for(pipeline, warehouse, dt.date(2026, 11, 19))
    assert (result["published"], result["business_date"]) == (True, "2026-11-19")


def test_refuses_the_build_of_another_night(warehouse):
    waiting = warehouse.with_name(warehouse.name + ".next")
    built_for(waiting, "2026-11-20")
    before = warehouse.read_bytes()
    with pytest.raises(AuditError, match="built for 2026-11-20, not 2026-11-19: clear this run"):
        _publish_for(pipeline, warehouse, dt.date(2026, 11, 19))
    assert warehouse.read_bytes() == before
    assert waiting.exists()


def test_fails_when_its_night_was_never_built(warehouse):
    with pytest.raises(AuditError, match="nothing built for 2026-11-19 .* holds 2026-11-18"):
        _publish_for(pipeline, warehouse, dt.date(2026, 11, 19))


def test_passes_when_its_night_is_already_published(warehouse):
    result = _publish_for(pipeline, warehouse, dt.date(2026, 11, 18))
    assert (result["published"], result["business_date"]) == (False, "2026-11-18")
