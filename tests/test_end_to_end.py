"""The whole night on a generated landing zone: what was planted is found, to the fen, and
nothing else; a re-run changes nothing. These are the acceptance checks of the rule issues."""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from ledger_audit.generate import generate
from ledger_audit.pipeline import run_night
from transforms.rules import discover

END = dt.date(2026, 11, 20)


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1").fetchall()]
    out = {n: sorted(con.execute(f"SELECT * EXCLUDE (loaded_at) FROM marts.{n}" if n == "load_audit"
                                 else f"SELECT * FROM marts.{n}").fetchall(), key=repr) for n in names}
    con.close()
    return out


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    root = tmp_path_factory.mktemp("night")
    generate(root / "landing", accounts=80, days=40, seed=11, end=END)
    run_night(root / "landing", root / "warehouse.duckdb", END, Config())
    return root


def test_generator_plants_every_rule(night):
    with open(night / "landing" / "expected_violations.csv", newline="") as f:
        planted = {r["rule_id"] for r in csv.DictReader(f)}
    assert sorted(planted) == sorted(r.rule_id for r in discover())


def test_every_planted_violation_is_found_with_its_amount_and_nothing_else(night):
    with open(night / "landing" / "expected_violations.csv", newline="") as f:
        expected = {(r["rule_id"], r["subject_id"], Decimal(r["amount_at_stake"])) for r in csv.DictReader(f)}
    con = duckdb.connect(str(night / "warehouse.duckdb"), read_only=True)
    found = set(con.execute("SELECT rule_id, subject_id, amount_at_stake FROM marts.violations").fetchall())
    missing, unexpected = sorted(expected - found), sorted(found - expected)
    assert not missing and not unexpected, f"missing {missing[:20]}\nunexpected {unexpected[:20]}"


def test_every_file_is_accounted_for_row_by_row(night):
    con = duckdb.connect(str(night / "warehouse.duckdb"), read_only=True)
    bad = con.execute("SELECT source, file FROM marts.load_audit "
                      "WHERE rows_read <> rows_loaded + rows_duplicate + rows_quarantined").fetchall()
    assert bad == []
    n_files = sum(1 for p in (night / "landing").glob("*/dt=*/*") if p.is_file())
    assert con.execute("SELECT count(*) FROM marts.load_audit").fetchone()[0] == n_files


def test_rerunning_the_date_gives_the_same_tables_and_violation_ids(night):
    before = _tables(night / "warehouse.duckdb")
    run_night(night / "landing", night / "warehouse.duckdb", END, Config())
    after = _tables(night / "warehouse.duckdb")
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], f"marts.{name} changed on a re-run"
