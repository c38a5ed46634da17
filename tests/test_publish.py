"""Publishing (ledger_audit/publish.py, pipeline.audit/publish): the published warehouse changes
only by one os.replace of a fully built, validated file; failures leave it byte for byte; open
readers keep their snapshot; re-running a date changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from core.errors import AuditError, BadFileError, ValidationFailed
from ledger_audit import pipeline
from ledger_audit.pipeline import step_audit, step_validate
from ledger_audit.publish import WarehousePaths

D = dt.date(2026, 11, 20)


def write_topups(landing: Path, day: str, name: str, rows: list[dict]) -> Path:
    path = landing / "topups" / f"dt={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def topup(tid: str, amount: str = "100.00") -> dict:
    return {"topup_id": tid, "account_id": "a1", "paid_at": "2026-11-20T10:00:00+08:00",
            "amount": amount, "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


@pytest.fixture
def night(tmp_path, monkeypatch):
    """A landing zone with one top-up file, published once (expectations stubbed: their own
    tests cover them)."""
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])
    landing, wh = tmp_path / "landing", tmp_path / "out" / "warehouse.duckdb"
    write_topups(landing, "2026-11-20", "a.csv", [topup("t1"), topup("t2", "12.30")])
    pipeline.run_night(landing, wh, D, Config())
    return landing, wh


def topup_ids(wh: Path) -> list[str]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT topup_id FROM staging.topups ORDER BY 1").fetchall()]
    finally:
        con.close()


def marts(wh: Path) -> dict[str, list]:
    con = duckdb.connect(str(wh), read_only=True)
    names = [r[0] for r in con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables()"
        " WHERE schema_name IN ('staging', 'intermediate', 'marts') ORDER BY 1").fetchall()]
    names += ["marts.quarantine", "staging.topups"]
    out = {n: sorted(map(repr, con.execute(f"SELECT * FROM {n}").fetchall())) for n in names}
    con.close()
    return out


def test_a_run_publishes_the_warehouse_and_leaves_no_side_files(night):
    _, wh = night
    paths = WarehousePaths(wh)
    assert topup_ids(wh) == ["t1", "t2"]
    assert not paths.next.exists() and not paths.building.exists()
    assert not Path(str(wh) + ".wal").exists()


def test_the_warehouse_file_does_not_hold_the_rows(night):
    """Views over the lake: publishing copies marts, never history."""
    _, wh = night
    con = duckdb.connect(str(wh), read_only=True)
    kind = con.execute("SELECT table_type FROM information_schema.tables"
                       " WHERE table_schema = 'staging' AND table_name = 'topups'").fetchone()[0]
    assert kind == "VIEW"


def test_rerunning_a_date_changes_nothing(night):
    landing, wh = night
    before = marts(wh)
    pipeline.run_night(landing, wh, D, Config())
    assert marts(wh) == before


def test_a_file_missing_a_required_column_fails_the_run_and_the_warehouse_is_unchanged(night):
    landing, wh = night
    before = wh.read_bytes()
    rows = [{k: v for k, v in topup("t3").items() if k != "paid_at"}]
    write_topups(landing, "2026-11-20", "b.csv", rows)
    with pytest.raises(BadFileError, match="topups/dt=2026-11-20/b.csv lacks required column"):
        pipeline.run_night(landing, wh, D, Config())
    assert wh.read_bytes() == before
    assert topup_ids(wh) == ["t1", "t2"]


def test_a_crash_before_the_replace_leaves_the_published_file_byte_identical(night, monkeypatch):
    landing, wh = night
    before = wh.read_bytes()
    write_topups(landing, "2026-11-20", "b.csv", [topup("t3")])

    def crash(con, ctx, previous=None, changes=None):
        raise RuntimeError("injected crash in the build")

    monkeypatch.setattr("transforms.build.build_all", crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        pipeline.run_night(landing, wh, D, Config())
    assert wh.read_bytes() == before
    assert not WarehousePaths(wh).building.exists() and not WarehousePaths(wh).next.exists()
    monkeypatch.undo()  # the next night picks the file up
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])
    pipeline.run_night(landing, wh, D, Config())
    assert topup_ids(wh) == ["t1", "t2", "t3"]


def test_a_failed_validation_leaves_the_published_file_byte_identical(night, monkeypatch):
    landing, wh = night
    before = wh.read_bytes()
    write_topups(landing, "2026-11-20", "b.csv", [topup("t3")])

    def fail(*args, **kwargs):
        raise ValidationFailed("staging.topups dt=2026-11-20: amount below 0")

    monkeypatch.setattr(step_validate, "validate_sources", fail)
    monkeypatch.setattr(step_audit, "validate_marts", fail)
    with pytest.raises(ValidationFailed):
        pipeline.run_night(landing, wh, D, Config())
    assert wh.read_bytes() == before


def test_an_open_read_only_connection_keeps_its_snapshot_through_a_publish(night):
    landing, wh = night
    reader = duckdb.connect(str(wh), read_only=True)
    assert reader.execute("SELECT count(*) FROM staging.topups").fetchone()[0] == 2
    write_topups(landing, "2026-11-20", "b.csv", [topup("t3")])
    pipeline.run_night(landing, wh, D, Config())
    # the reader still sees the old warehouse, whole; a new reader sees the new one
    assert reader.execute("SELECT count(*) FROM staging.topups").fetchone()[0] == 2
    assert reader.execute("SELECT sum(rows_read) FROM marts.load_audit").fetchone()[0] == 2
    reader.close()
    assert topup_ids(wh) == ["t1", "t2", "t3"]


def test_steps_run_separately_and_publish_is_idempotent(night):
    landing, wh = night
    write_topups(landing, "2026-11-20", "b.csv", [topup("t3")])
    assert pipeline.load(landing, wh, D, Config())["new_files"] == 1
    assert pipeline.validate(landing, wh, D, Config())["partitions"] == [["topups", "2026-11-20"]]
    audited = pipeline.audit(landing, wh, D, Config())
    assert audited["sources"]["topups"]["rows_loaded"] == 3
    assert topup_ids(wh) == ["t1", "t2"]  # audited, not yet published
    assert pipeline.publish(wh) == {"published": True, "warehouse": str(wh), "business_date": "2026-11-20"}
    assert pipeline.publish(wh)["published"] is False
    assert topup_ids(wh) == ["t1", "t2", "t3"]


def test_audit_without_load_fails_with_a_clear_error(tmp_path):
    with pytest.raises(AuditError, match="no load for 2026-11-20 .* run the load step first"):
        pipeline.audit(tmp_path / "landing", tmp_path / "w.duckdb", D, Config())


def test_a_second_writer_is_refused_while_the_lock_is_held(night):
    landing, wh = night
    with WarehousePaths(wh).locked(), pytest.raises(AuditError, match="another run is writing"):
        pipeline.load(landing, wh, D, Config())


def test_the_published_file_opens_with_the_storage_version_of_duckdb_1_5(night):
    _, wh = night
    con = duckdb.connect(str(wh), read_only=True)
    version = con.execute("SELECT tags['storage_version'] FROM duckdb_databases()"
                          " WHERE database_name = 'warehouse'").fetchone()[0]
    assert version and version.startswith("v1.5")


def test_the_duckdb_1_5_cli_reads_the_published_views(night):
    """Analysts' duckdb CLI (dev dependency duckdb-cli 1.5) opens the file and its lake views."""
    import shutil
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("duckdb")
    if not exe.exists():
        exe = shutil.which("duckdb")
    if not exe:
        pytest.skip("no duckdb CLI installed")
    _, wh = night
    proc = subprocess.run([str(exe), "-readonly", "-csv", str(wh), "-c",
                           "SELECT topup_id, amount FROM staging.topups ORDER BY 1"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["topup_id,amount", "t1,100.00", "t2,12.30"]


def test_validation_sees_the_new_files_only_as_staging_tables(night, monkeypatch):
    landing, wh = night
    write_topups(landing, "2026-11-20", "b.csv", [topup("t3"), topup("t1")])  # t1: a duplicate
    seen = {}

    def validate_sources(con, partitions, docs_dir, index=True):
        seen["partitions"] = partitions
        seen["rows"] = con.execute("SELECT topup_id, _file FROM staging.topups").fetchall()
        seen["docs"] = docs_dir
        return ["one warning"]

    monkeypatch.setattr(step_validate, "validate_sources", validate_sources)
    pipeline.load(landing, wh, D, Config())
    result = pipeline.validate(landing, wh, D, Config())
    assert seen == {"partitions": [("topups", D)], "rows": [("t3", "topups/dt=2026-11-20/b.csv")],
                    "docs": WarehousePaths(wh).docs}
    assert result["warnings"] == ["one warning"]


def test_rerunning_an_earlier_date_keeps_later_files_on_record(night):
    landing, wh = night  # published for the 20th, from topups/dt=2026-11-20/a.csv
    write_topups(landing, "2026-11-19", "early.csv", [topup("t0")])
    pipeline.run_night(landing, wh, D - dt.timedelta(days=1), Config())
    assert topup_ids(wh) == ["t0"]  # as of the 19th
    (landing / "topups" / "dt=2026-11-20" / "a.csv").unlink()  # gone from the landing zone
    pipeline.run_night(landing, wh, D, Config())
    assert topup_ids(wh) == ["t0", "t1", "t2"]


# --- issue 9: publish only a build that verifies ------------------------------------------------


def _waiting(night) -> WarehousePaths:
    """A night loaded and audited again, its build waiting at .next."""
    landing, wh = night
    pipeline.load(landing, wh, D, Config())
    pipeline.audit(landing, wh, D, Config())
    return WarehousePaths(wh)


def test_a_build_with_its_write_ahead_log_left_over_is_not_published(night):
    paths = _waiting(night)
    before = paths.warehouse.read_bytes()
    # what a failed final checkpoint leaves: the data in a WAL the rename would not carry
    paths.next.with_name(paths.next.name + ".wal").write_bytes(b"\1" * 4096)
    with pytest.raises(AuditError, match=r"write-ahead log .* is left over \(is the disk full\?\)"):
        pipeline.publish(paths.warehouse)
    assert paths.warehouse.read_bytes() == before


def test_a_build_missing_a_table_it_wrote_is_not_published(night):
    paths = _waiting(night)
    before = paths.warehouse.read_bytes()
    con = duckdb.connect(str(paths.next))
    con.execute("DROP TABLE marts.load_audit")
    con.close()
    with pytest.raises(AuditError, match=r"lacks marts\.load_audit"):
        pipeline.publish(paths.warehouse)
    assert paths.warehouse.read_bytes() == before


def test_a_build_whose_row_counts_differ_from_what_was_written_is_not_published(night):
    paths = _waiting(night)
    con = duckdb.connect(str(paths.next))
    con.execute("DELETE FROM marts.load_audit")
    con.close()
    with pytest.raises(AuditError, match=r"has 0 rows in marts\.load_audit, 1 were written"):
        pipeline.publish(paths.warehouse)
