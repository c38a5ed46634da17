"""The bad-input corpus (issue 9): one scenario per folder of tests/badinput/, bigquery-etl style.

    tests/badinput/<case>/landing/...   files added to a published landing zone (dt=2026-11-21)
    tests/badinput/<case>/expect.toml   outcome = "published" | "failed", and what must hold:
        error     fragments the one-line error must contain (source, file, line, why)
        forbid    fragments it must not contain (file content, SQL text)
        warnings  fragments that must appear in the run's warnings
        [[file]]  a landing file's load_audit counts; [[quarantine]] a quarantined row's reason
        [[check]] a query on the published warehouse and its rows, written from the contract

Every case keeps rows_read = loaded + duplicate + quarantined for every file and leaves the
published warehouse byte-identical (failed) or complete for the new date (published). Great
Expectations is not under test here and is left out to keep the corpus quick.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from core.errors import AuditError
from ledger_audit import pipeline
from ledger_audit.pipeline import step_audit, step_validate
from ledger_audit.publish import WarehousePaths

CORPUS = Path(__file__).parent / "badinput"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expect.toml").exists())
BASE_DATE, NIGHT = dt.date(2026, 11, 20), dt.date(2026, 11, 21)


@pytest.fixture(scope="module")
def no_gx():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(step_validate, "validate_sources", lambda *a, **k: [])
        mp.setattr(step_audit, "validate_marts", lambda *a: [])
        yield


@pytest.fixture(scope="module")
def base(tmp_path_factory, no_gx) -> Path:
    """A small generated zone and its published warehouse for 2026-11-20."""
    from ledger_audit.generate import generate

    root = tmp_path_factory.mktemp("base")
    generate(root / "landing", accounts=8, days=2, seed=5, end=BASE_DATE, usage_rows=None)
    pipeline.run_night(root / "landing", root / "out" / "wh.duckdb", BASE_DATE, Config())
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(wh: Path, sql: str) -> list[list[str]]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return [["" if v is None else str(v) for v in r] for r in con.execute(sql).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(case, base, tmp_path, no_gx):
    expect = tomllib.loads((CORPUS / case / "expect.toml").read_text(encoding="utf-8"))
    root = tmp_path / "night"
    shutil.copytree(base, root, symlinks=True)
    shutil.copytree(CORPUS / case / "landing", root / "landing", dirs_exist_ok=True)
    wh = root / "out" / "wh.duckdb"
    before = _sha(wh)

    if expect["outcome"] == "failed":
        with pytest.raises(AuditError) as err:
            pipeline.run_night(root / "landing", wh, NIGHT, Config())
        msg = str(err.value)
        assert "\n" not in msg, msg
        for frag in expect["error"]:
            assert frag in msg, f"{frag!r} not in {msg!r}"
        for frag in expect.get("forbid", []):
            assert frag not in msg, f"{frag!r} in {msg!r}"
        assert _sha(wh) == before, "a failed night changed the published warehouse"
        paths = WarehousePaths(wh)
        assert not paths.next.exists() and not paths.building.exists()
        return

    summary = pipeline.run_night(root / "landing", wh, NIGHT, Config())
    warnings = [ln for ln in summary.splitlines() if ln.startswith("warning: ")]
    for frag in expect.get("warnings", []):
        assert any(frag in w for w in warnings), f"no warning names {frag!r}: {warnings}"
    assert not wh.with_name(wh.name + ".wal").exists()  # the published file is whole
    assert _rows(wh, "SELECT max(business_date)::VARCHAR FROM meta.run") == [[str(NIGHT)]]
    assert _rows(wh, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'") \
        == _rows(base / "out" / "wh.duckdb",
                 "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'")
    assert _rows(wh, "SELECT count(*) FROM marts.load_audit WHERE rows_read <> rows_loaded"
                     " + rows_duplicate + rows_quarantined") == [["0"]]
    for f in expect.get("file", []):
        got = _rows(wh, "SELECT rows_read, rows_loaded, rows_duplicate, rows_quarantined FROM"
                        f" marts.load_audit WHERE file = '{f['file']}'")
        assert got == [[str(f[k]) for k in ("read", "loaded", "duplicate", "quarantined")]], f
    for q in expect.get("quarantine", []):
        got = _rows(wh, f"SELECT reason FROM marts.quarantine WHERE file = '{q['file']}'"
                        f" AND row_number = {q['row']}")
        assert got == [[q["reason"]]], q
    for c in expect.get("check", []):
        assert _rows(wh, c["sql"]) == c["rows"], c["sql"]
