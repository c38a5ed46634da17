"""The `run`, `sql` and `demo` commands: exit 0 with a summary, or exit 1 with one line."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_audit.cli import app
from ledger_audit.pipeline import step_audit, step_validate

ROW = {"topup_id": "t1", "account_id": "a1", "paid_at": "2026-11-20T10:00:00+08:00", "amount": "100.00",
       "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def write_topups(landing: Path, name: str, rows: list[dict]) -> None:
    path = landing / "topups" / "dt=2026-11-20" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])
    return CliRunner()


def run(runner, tmp_path, *extra):
    return runner.invoke(app, ["run", "--landing", str(tmp_path / "landing"),
                               "--warehouse", str(tmp_path / "w.duckdb"), "--date", "2026-11-20", *extra])


def test_run_prints_rows_per_source_and_exits_0(runner, tmp_path):
    write_topups(tmp_path / "landing", "a.csv", [ROW, {**ROW, "topup_id": "t2", "amount": "-1"}])
    result = run(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 new file(s) of 1 loaded; published" in result.output
    line = next(ln for ln in result.output.splitlines() if ln.strip().startswith("topups"))
    assert line.split() == ["topups", "1", "2", "1", "0", "1"]


def test_run_says_what_the_night_carried_from_the_published_one_and_why_not(runner, tmp_path):
    """An operator reads in the run's output which path the night took: the first recomputes
    everything and says why; the next carries the published night's balance state."""
    write_topups(tmp_path / "landing", "a.csv", [ROW])
    first = runner.invoke(app, ["run", "--landing", str(tmp_path / "landing"), "--warehouse",
                                str(tmp_path / "w.duckdb"), "--date", "2026-11-20"])
    later = {**ROW, "topup_id": "t2", "paid_at": "2026-11-21T09:00:00+08:00"}
    path = tmp_path / "landing" / "topups" / "dt=2026-11-21" / "b.csv"
    path.parent.mkdir(parents=True)
    path.write_text(",".join(later) + "\n" + ",".join(later.values()) + "\n", encoding="utf-8")
    second = runner.invoke(app, ["run", "--landing", str(tmp_path / "landing"), "--warehouse",
                                 str(tmp_path / "w.duckdb"), "--date", "2026-11-21"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "night: recomputing every day: no published night" in first.output.splitlines()
    said = [ln for ln in second.output.splitlines() if ln.startswith("night: ")]
    assert said[0] == "night: carrying the published night 2026-11-20; new files: topups 1"
    assert ("night: balance: restarting from the published night 2026-11-20 (its state at"
            " 2026-11-20T16:00:00+00:00)") in said


def test_run_with_a_file_missing_a_column_exits_1_with_one_line(runner, tmp_path):
    write_topups(tmp_path / "landing", "a.csv", [{k: v for k, v in ROW.items() if k != "status"}])
    result = run(runner, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ledger-audit: error: topups: topups/dt=2026-11-20/a.csv lacks required column(s) status"]
    assert not (tmp_path / "w.duckdb").exists()


def test_run_with_a_bad_config_exits_1_naming_the_key(runner, tmp_path):
    write_topups(tmp_path / "landing", "a.csv", [ROW])
    (tmp_path / "c.toml").write_text("[platform]\ntimezon = 'UTC'\n")
    result = run(runner, tmp_path, "--config", str(tmp_path / "c.toml"))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "platform.timezon: unknown key" in result.stderr


def test_an_unforeseen_error_is_still_one_line(runner, tmp_path, monkeypatch):
    write_topups(tmp_path / "landing", "a.csv", [ROW])

    def boom(*a, **k):
        raise KeyError("surprise")

    monkeypatch.setattr("transforms.build.build_all", boom)
    result = run(runner, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ledger-audit: error: KeyError: 'surprise' (set LEDGER_AUDIT_DEBUG=1 for the traceback)"]


def test_sql_reads_the_published_warehouse_read_only(runner, tmp_path):
    write_topups(tmp_path / "landing", "a.csv", [ROW])
    assert run(runner, tmp_path).exit_code == 0
    wh = str(tmp_path / "w.duckdb")
    result = runner.invoke(app, ["sql", "--warehouse", wh, "SELECT topup_id, amount FROM staging.topups"])
    assert result.exit_code == 0 and "t1" in result.output and "100.00" in result.output
    result = runner.invoke(app, ["sql", "--warehouse", wh, "DROP TABLE marts.load_audit"])
    assert result.exit_code == 1 and "read-only" in result.stderr
    assert "marts.load_audit" in runner.invoke(app, ["sql", "--warehouse", wh, "--tables"]).output


def test_sql_on_a_missing_warehouse_exits_1(runner, tmp_path):
    result = runner.invoke(app, ["sql", "--warehouse", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 1 and result.stderr.startswith("ledger-audit: error: no warehouse at")


def test_sql_on_a_csv_file_says_it_is_not_a_warehouse(runner, tmp_path):
    csv = tmp_path / "topups.csv"
    csv.write_text("topup_id,amount\nt1,12.30\n")
    result = runner.invoke(app, ["sql", "--warehouse", str(csv), "SELECT 1"])
    assert result.exit_code == 1
    assert f"{csv} is not a DuckDB warehouse file" in result.output
    assert "in-memory" not in result.output


def test_the_installed_command_fails_with_one_line_and_status_1(tmp_path):
    """The real entry point, in its own process: a missing landing zone."""
    exe = Path(sys.executable).with_name("ledger-audit")
    proc = subprocess.run([str(exe), "run", "--landing", str(tmp_path / "none"), "--warehouse",
                           str(tmp_path / "w.duckdb"), "--date", "2026-11-20"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"ledger-audit: error: landing zone {tmp_path / 'none'} does not exist"]


def test_demo_generates_runs_and_says_where_everything_is(tmp_path):
    # the real thing, Great Expectations included: the Data Docs it names must be there
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--accounts", "60", "--days", "5"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "usage" in out and "quarantined" in out
    for where in ("warehouse.duckdb", "warehouse.lake", "warehouse.gx/index.html",
                  "outbox/2026-11-20/finance.eml", "outbox/2026-11-20/legal.eml",
                  "outbox/2026-11-20/data-quality.html"):
        assert str(tmp_path / "demo" / where) in out
        assert (tmp_path / "demo" / where).exists(), f"the demo names {where} but it is not there"
    assert (tmp_path / "demo" / "warehouse.duckdb").exists()
