"""`ledger-audit sql` (ledger_audit/investigate.py, queries/): read-only sessions that a nightly
publish never disturbs, only reading statements, exact money in every format, tables that say
what they hold, saved investigations with bound parameters, the prompt, and any DuckDB client."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from core.config import Config
from ledger_audit import investigate as inv
from ledger_audit import pipeline
from ledger_audit.cli import app
from ledger_audit.pipeline import night as night_module
from ledger_audit.pipeline import step_audit, step_validate

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUOTED = "o'b; DROP TABLE marts.violations; --"  # an account id that is also an injection attempt


# --- a hand-written landing zone: two accounts, three nights' files ----------------------------

def write(landing: Path, source: str, day: str, rows: list[dict]) -> None:
    path = landing / source / f"dt={day}" / "part.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def account(aid: str, at: str) -> dict:
    return {"account_id": aid, "updated_at": at, "registered_at": at, "account_type": "personal",
            "real_name_verified_at": at}


def write_landing(landing: Path) -> None:
    """a1: registered and tops up 100.00 on the 18th, uses 1.500000 on the 19th, 50.00 refunded
    on the 20th. The quoted account registers and tops up 30.00 on the 20th."""
    write(landing, "accounts", "2026-11-18", [account("a1", "2026-11-18T09:00:00+08:00")])
    write(landing, "topups", "2026-11-18", [
        {"topup_id": "t1", "account_id": "a1", "paid_at": "2026-11-18T10:00:00+08:00",
         "amount": "100.00", "method": "alipay", "payer_ref_hash": "p1", "status": "succeeded"}])
    write(landing, "usage", "2026-11-19", [
        {"request_id": "r1", "account_id": "a1", "api_key_id": "k1", "model": "m1",
         "started_at": "2026-11-19T10:00:00+08:00", "input_tokens": "0", "output_tokens": "0",
         "amount": "1.500000", "cash_amount": "1.500000", "trial_amount": "0",
         "discount_amount": "0"}])
    write(landing, "accounts", "2026-11-20", [account(QUOTED, "2026-11-20T11:00:00+08:00")])
    write(landing, "topups", "2026-11-20", [
        {"topup_id": "t2", "account_id": QUOTED, "paid_at": "2026-11-20T12:00:00+08:00",
         "amount": "30.00", "method": "card", "payer_ref_hash": "p2", "status": "succeeded"}])
    write(landing, "refunds", "2026-11-20", [
        {"refund_id": "f1", "account_id": "a1", "topup_id": "t1",
         "requested_at": "2026-11-20T09:00:00+08:00", "decided_at": "2026-11-20T10:00:00+08:00",
         "status": "approved", "amount": "50.00"}])


def night(base: Path, *dates: str) -> tuple[Path, Path]:
    """The hand-written landing zone published for each date in turn (expectations stubbed:
    their own tests cover them)."""
    landing, wh = base / "landing", base / "out" / "warehouse.duckdb"
    write_landing(landing)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(step_validate, "validate_sources", lambda *a, **k: [])
        mp.setattr(step_audit, "validate_marts", lambda *a: [])
        for d in dates:
            pipeline.run_night(landing, wh, dt.date.fromisoformat(d), Config())
    return landing, wh


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Published for the 19th; tests only read it."""
    return night(tmp_path_factory.mktemp("published"), "2026-11-19")[1]


@pytest.fixture(scope="module")
def published_20th(tmp_path_factory) -> Path:
    return night(tmp_path_factory.mktemp("published_20th"), "2026-11-20")[1]


@pytest.fixture
def small(tmp_path, monkeypatch):
    """Published for the 19th, for a test that publishes the 20th."""
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])
    return night(tmp_path, "2026-11-19")


def publish_the_20th(landing: Path, wh: Path, failed: list | None = None) -> None:
    try:
        pipeline.run_night(landing, wh, dt.date(2026, 11, 20), Config())
    except Exception as exc:  # a thread's exception would otherwise only warn
        if failed is None:
            raise
        failed.append(exc)


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed command, in its own process (as an analyst runs it)."""
    return subprocess.run([str(BIN / "ledger-audit"), *args], capture_output=True, text=True,
                          timeout=300, check=False, env=env)


def table_rows(printed: str) -> list[list[str]]:
    """The cells of each row of a printed table (header included)."""
    return [[c.strip() for c in ln.strip().strip("│").split("│")]
            for ln in printed.splitlines() if ln.strip().startswith("│")]


def rows_of(stmt: inv.Statement) -> list[dict]:
    cur = stmt.cursor()
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# --- sessions and the nightly publish ---------------------------------------------------------

def test_a_session_opened_before_a_publish_keeps_answering_during_and_after_it(small, tmp_path):
    """The prompt in its own process (file locks are per process), the night in this one."""
    landing, wh = small
    # what the file holds (marts, meta.run) and what its views read from the lake
    ask = ("SELECT concat('ANSWER ', (SELECT count(*) FROM marts.load_audit), ' ',"
           " (SELECT max(business_date) FROM meta.run), ' ',"
           " (SELECT count(*) FROM staging.topups), ' END') AS a;\r")
    term = prompt_on(wh, tmp_path)
    try:
        term.until(b"sql> ")

        def answer() -> str:
            term.send(ask)
            return re.findall(r"ANSWER (.*?) END", term.until(b"sql> "))[-1]

        before = answer()
        assert before == "3 2026-11-19 1"
        failed: list = []
        night = threading.Thread(target=publish_the_20th, args=(landing, wh, failed))
        night.start()
        during = []
        while night.is_alive():  # the session answers while the night builds and publishes
            during.append(answer())
        night.join(timeout=300)
        assert not night.is_alive() and not failed  # the open session did not block the publish
        assert len(during) > 3 and set(during) == {before}
        assert answer() == before  # after: still its own snapshot
        # a new session (its own process) sees the new night, and so does .reopen
        fresh = cli("sql", "--warehouse", str(wh), "--format", "csv", ask.rstrip(";\r"))
        assert fresh.returncode == 0, fresh.stderr
        assert fresh.stdout.splitlines() == ["a", "ANSWER 6 2026-11-20 2 END"]
        term.send(".reopen\r")
        assert "business date 2026-11-20" in term.until(b"sql> ")
        assert answer() == "6 2026-11-20 2"
        term.send(".quit\r")
        assert term.proc.wait(timeout=60) == 0
    finally:
        term.close()


def test_a_running_night_never_blocks_a_new_session(small, monkeypatch):
    """A session opened while the night holds its write lock and builds beside the file."""
    landing, wh = small
    started, release = threading.Event(), threading.Event()
    real_audit = night_module.audit

    def slow_audit(*args, **kwargs):
        started.set()
        release.wait(120)  # the night is mid-build, lock held
        return real_audit(*args, **kwargs)

    monkeypatch.setattr(night_module, "audit", slow_audit)
    night = threading.Thread(target=publish_the_20th, args=(landing, wh))
    night.start()
    try:
        assert started.wait(120)
        proc = cli("sql", "--warehouse", str(wh), "--format", "csv", "SELECT count(*) AS n FROM marts.load_audit")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["n", "3"]  # the three files published for the 19th
    finally:
        release.set()
        night.join(timeout=300)


# --- only reading statements ------------------------------------------------------------------

WRITES = {
    "INSERT INTO marts.violations SELECT * FROM marts.violations": "INSERT",
    "UPDATE marts.violations SET rule_id = 'x'": "UPDATE",
    "DELETE FROM marts.violations": "DELETE",
    "CREATE TABLE marts.x AS SELECT 1": "CREATE",
    "CREATE TEMP TABLE x AS SELECT 1": "CREATE",
    "DROP TABLE marts.violations": "DROP",
    "ALTER TABLE marts.violations ADD COLUMN x INT": "ALTER",
    "COPY marts.violations TO '{out}/v.csv'": "COPY",
    "ATTACH '{out}/other.duckdb' AS other": "ATTACH",
    "EXPLAIN ANALYZE DELETE FROM marts.violations": "DELETE",
    "SELECT 1; DROP TABLE marts.violations": "DROP",
    "INSTALL httpfs": "LOAD",
    "EXPORT DATABASE '{out}/export'": "EXPORT",
}


@pytest.mark.parametrize("statement", list(WRITES))
def test_a_write_statement_fails_with_one_clear_line(published, tmp_path, statement):
    wh = published
    before = wh.read_bytes()
    out = tmp_path / "written"
    out.mkdir()
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), statement.format(out=out)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"ledger-audit: error: the warehouse is read-only: {WRITES[statement]} is a write statement (")
    assert wh.read_bytes() == before and not list(out.iterdir())  # nothing written anywhere


@pytest.mark.parametrize("statement", [
    "DESCRIBE marts.violations", "SHOW TABLES", "SUMMARIZE marts.load_audit",
    "EXPLAIN SELECT * FROM marts.violations", "PRAGMA table_info('marts.load_audit')",
    "FROM marts.load_audit", "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SET VARIABLE y = 2; SELECT getvariable('y') AS y",
    "PIVOT marts.load_audit ON source USING sum(rows_read)"])
def test_reading_statements_run(published, statement):
    wh = published
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), statement])
    assert result.exit_code == 0, result.output
    assert re.search(r"\(\d+ rows?\)", result.stdout)


def test_the_money_macros_and_run_variables_are_there_read_only(published):
    wh = published
    with inv.Warehouse.open(wh) as session:
        got = rows_of(inv.execute(session, """
            SELECT round_half_even_2(2.345) AS a, round_half_even_2(2.355) AS b,
                   biz_date(TIMESTAMPTZ '2026-11-19 16:00:00+00') AS d,
                   getvariable('business_date') AS run_date""")[0])
    assert got == [{"a": Decimal("2.34"), "b": Decimal("2.36"), "d": dt.date(2026, 11, 20),
                    "run_date": dt.date(2026, 11, 19)}]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.duckdb", "no warehouse at {p}"),
    (lambda p: p, "{p} is a folder, not a DuckDB warehouse file"),
    (lambda p: (p / "topups.csv", (p / "topups.csv").write_text("a,b\n1,2\n"))[0],
     "{p} is not a DuckDB warehouse file: pass the .duckdb file that `ledger-audit run` publishes"),
])
def test_a_path_that_is_no_warehouse_is_one_clear_line(tmp_path, make, message):
    path = make(tmp_path)
    for args in ([], ["SELECT 1"], ["--tables"]):
        result = CliRunner().invoke(app, ["sql", "--warehouse", str(path), *args])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == ["ledger-audit: error: " + message.format(p=path)]


# --- output formats: money exact --------------------------------------------------------------

MONEY = ("SELECT 123456789012.123456::DECIMAL(18, 6) AS big, 0.10::DECIMAL(18, 2) AS fen,"
         " 'a,\"b\"' AS text, NULL::DECIMAL(18, 2) AS missing")


def test_money_stays_exact_in_csv_json_parquet_and_the_table(published, tmp_path):
    """123456789012.123456 through a double is 123456789012.12346: every format keeps all digits."""
    wh = published
    runner = CliRunner()
    got = runner.invoke(app, ["sql", "--warehouse", str(wh), "--format", "csv", MONEY])
    assert got.exit_code == 0, got.output
    assert got.stdout == 'big,fen,text,missing\n123456789012.123456,0.10,"a,""b""",\n'

    got = runner.invoke(app, ["sql", "--warehouse", str(wh), "--format", "json", MONEY])
    assert json.loads(got.stdout) == [  # DECIMAL as JSON strings, never numbers
        {"big": "123456789012.123456", "fen": "0.10", "text": 'a,"b"', "missing": None}]

    got = runner.invoke(app, ["sql", "--warehouse", str(wh), "--format", "json",
                              "--output", str(tmp_path / "m.json"), MONEY])
    assert got.exit_code == 0 and got.stdout == ""
    assert json.loads((tmp_path / "m.json").read_text())[0]["big"] == "123456789012.123456"

    got = runner.invoke(app, ["sql", "--warehouse", str(wh), "--format", "parquet",
                              "--output", str(tmp_path / "m.parquet"), MONEY])
    assert got.exit_code == 0, got.output
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "m.parquet")
    assert str(table.schema.field("big").type) == "decimal128(18, 6)"
    assert table.to_pylist() == [{"big": Decimal("123456789012.123456"), "fen": Decimal("0.10"),
                                  "text": 'a,"b"', "missing": None}]

    got = runner.invoke(app, ["sql", "--warehouse", str(wh), MONEY])
    assert "123456789012.123456" in got.stdout and "0.10" in got.stdout and "(1 row)" in got.stdout


def test_parquet_goes_only_to_a_file(published):
    wh = published
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), "--format", "parquet", "SELECT 1"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ledger-audit: error: --format parquet is binary: give --output FILE.parquet"]


# --- tables that explain themselves ------------------------------------------------------------

def test_tables_lists_each_table_with_its_grain_rows_and_the_business_date(published, tmp_path):
    """Grain and meaning come from the warehouse's own comments, whatever they say."""
    wh = published
    commented = tmp_path / "commented.duckdb"
    shutil.copy(wh, commented)  # its views still read the same (absolute) lake files
    con = duckdb.connect(str(commented))
    con.execute("COMMENT ON TABLE marts.load_audit IS 'One row per landing file loaded.'")
    con.execute("COMMENT ON COLUMN marts.load_audit.rows_read IS 'rows in the file'")
    con.close()
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(commented), "--tables"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{commented}: business date 2026-11-19")
    rows = {r[0]: r[1:] for r in table_rows(result.stdout)}
    assert rows["marts.load_audit"] == ["table", "3", "One row per landing file loaded."]
    assert rows["staging.topups"][:2] == ["view", "1"]

    described = CliRunner().invoke(app, ["sql", "--warehouse", str(commented), "--format", "csv",
                                         "DESCRIBE marts.load_audit"])
    assert "rows_read,BIGINT,NO,rows in the file" in described.stdout.splitlines()


# --- saved investigations ---------------------------------------------------------------------

def test_account_story_tells_every_event_in_time_order(published_20th):
    wh = published_20th
    with inv.Warehouse.open(wh) as session:
        story = rows_of(inv.run_saved(session, "account_story", {"account_id": "a1"}))
    got = [(r["at"].isoformat(), r["business_date"].isoformat(), r["event"], r["record_id"],
            r["amount"]) for r in story]
    d = Decimal
    assert got == [
        ("2026-11-18T01:00:00+00:00", "2026-11-18", "registered", "a1", None),
        ("2026-11-18T02:00:00+00:00", "2026-11-18", "top-up succeeded", "t1", d("100.000000")),
        ("2026-11-18T16:00:00+00:00", "2026-11-18", "balance at end of day", "2026-11-18", d("100.000000")),
        ("2026-11-19T02:00:00+00:00", "2026-11-19", "usage (day)", "2026-11-19", d("1.500000")),
        ("2026-11-19T16:00:00+00:00", "2026-11-19", "balance at end of day", "2026-11-19", d("98.500000")),
        ("2026-11-20T01:00:00+00:00", "2026-11-20", "refund requested", "f1", d("50.000000")),
        ("2026-11-20T02:00:00+00:00", "2026-11-20", "refund approved", "f1", d("50.000000")),
        ("2026-11-20T16:00:00+00:00", "2026-11-20", "balance at end of day", "2026-11-20", d("48.500000")),
    ]


def test_a_parameter_with_a_quote_or_sql_is_data(published_20th):
    wh = published_20th
    violations = duckdb.connect(str(wh), read_only=True).execute(
        "SELECT count(*) FROM marts.violations").fetchone()[0]
    result = cli("sql", "--warehouse", str(wh), "--query", "account_story",
                 "--param", f"account_id={QUOTED}", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["event"], r["record_id"], r["amount"]) for r in rows if r["event"] != "balance at end of day"] == [
        ("registered", QUOTED, ""), ("top-up succeeded", "t2", "30.000000")]
    for value in ("x' OR '1'='1", "'; DROP TABLE marts.violations; --"):
        result = cli("sql", "--warehouse", str(wh), "--query", "account_story",
                     "--param", f"account_id={value}", "--format", "csv")
        assert result.returncode == 0 and result.stdout.splitlines() == [
            "at,business_date,event,record_id,amount,detail"]  # no such account: no rows
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.violations").fetchone()[0] == violations
    con.close()


@pytest.mark.parametrize("params, message", [
    (["--param", "acount_id=a1"],
     "query account_story has no parameter 'acount_id' (its parameters: account_id)"),
    ([], "query account_story needs --param account_id=VALUE (the account, e.g. P00031)"),
    (["--param", "account_id"], "--param 'account_id' is not key=value"),
])
def test_unknown_or_missing_parameters_are_one_line(published, params, message):
    wh = published
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), "--query", "account_story", *params])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["ledger-audit: error: " + message]


def test_a_parameter_of_the_wrong_type_is_one_line(published):
    wh = published
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), "--query", "payer_topups",
                                      "--param", "payer_ref_hash=p1", "--param", "from=20/11/2026"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "ledger-audit: error: query payer_topups: --param from='20/11/2026' is not a date (YYYY-MM-DD)"]
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(wh), "--query", "nope"])
    assert result.exit_code == 1 and "no saved query 'nope'" in result.stderr


def test_every_saved_query_opens_with_what_it_answers_and_declares_exactly_what_it_binds():
    queries = inv.saved_queries()
    assert {"account_story", "cluster_members", "payer_topups", "violation_evidence"} <= set(queries)
    for q in queries.values():
        assert q.answers and q.description, q.name
        body = "\n".join(ln for ln in q.sql.splitlines() if not ln.startswith("--"))
        assert sorted(p.name for p in q.params) == sorted(set(re.findall(r"\$(\w+)", body))), q.name
        assert all(p.meaning for p in q.params)


def test_list_queries_names_each_with_what_it_answers_and_its_parameters():
    result = CliRunner().invoke(app, ["sql", "--list-queries"])  # no warehouse needed
    assert result.exit_code == 0, result.output
    for q in inv.saved_queries().values():
        assert q.name in result.stdout
        for p in q.params:
            assert f"{p.name} {p.type}" in result.stdout


def test_queries_ship_inside_the_app():
    """A wheel maps queries/ to ledger_audit/queries (found there first); a clone finds it at the root."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["queries"] == "ledger_audit/queries"
    assert inv.queries_dir() == ROOT / "queries"


# --- on a generated warehouse (the README's) -----------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")
INVESTIGATE = README.split("\n## Investigate\n", 1)[1].split("\n## ", 1)[0]


def readme_commands(program: str) -> list[str]:
    """The command lines of the README's Investigate section that run `program` (through ./dev),
    without the ./dev."""
    blocks = re.findall(r"```sh\n(.*?)```", INVESTIGATE, re.DOTALL)
    return [ln.removeprefix("./dev ") for b in blocks for ln in b.splitlines()
            if ln.startswith(f"./dev {program} ")]


def run_readme_line(line: str, cwd: Path) -> subprocess.CompletedProcess:
    import shlex

    program, *args = shlex.split(line)
    return subprocess.run([str(BIN / program), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="session")
def readme_dir(tmp_path_factory) -> Path:
    """The README's generated warehouse, made by the README's own set-up commands."""
    base = tmp_path_factory.mktemp("readme")
    setup = [ln for ln in readme_commands("ledger-audit") if " generate " in ln or " run " in ln]
    assert len(setup) == 2, setup
    for line in setup:
        proc = run_readme_line(line, base)
        assert proc.returncode == 0, f"{line}: {proc.stderr}"
    return base


@pytest.fixture(scope="session")
def generated(readme_dir) -> Path:
    return readme_dir / "out" / "inv" / "warehouse.duckdb"


def test_the_readme_investigations_still_run_and_return_rows(readme_dir):
    lines = [ln for ln in readme_commands("ledger-audit") if ln.startswith("ledger-audit sql ")]
    lines += readme_commands("duckdb")
    assert len(lines) >= 8
    for line in lines:
        proc = run_readme_line(line, readme_dir)
        assert proc.returncode == 0, f"{line}: {proc.stderr}"
        out = proc.stdout
        if "--output" in line:
            out = (readme_dir / line.split("--output ", 1)[1].split()[0]).read_text()
            assert len(out.splitlines()) > 1, line
        elif line.startswith("duckdb"):
            assert re.search(r"│\s+\d+ │", out), line
        else:
            m = re.search(r"^\((\d+) rows?\)$", out, re.MULTILINE)
            assert m and int(m.group(1)) > 0, f"{line} returned no rows:\n{out}"
    session = re.findall(r"```python\n(.*?)```", INVESTIGATE, re.DOTALL)
    assert len(session) == 1
    proc = subprocess.run([sys.executable, "-c", session[0]], cwd=readme_dir, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "datetime.date(2026, 11, 20)" in proc.stdout and "Decimal(" in proc.stdout


def pick(wh: Path, sql: str) -> list:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return list(con.execute(sql).fetchone())
    finally:
        con.close()


def test_every_saved_query_returns_rows_on_a_generated_warehouse(generated):
    wh = generated
    account = pick(wh, "SELECT account_id FROM staging.refunds ORDER BY refund_id LIMIT 1")[0]
    clustered = pick(wh, "SELECT account_id FROM marts.identity_clusters WHERE cluster_size > 2"
                         " ORDER BY account_id LIMIT 1")[0]
    payer, first, last = pick(wh, """
        SELECT payer_ref_hash, min(biz_date_of), max(biz_date_of) FROM (
            SELECT payer_ref_hash, (paid_at AT TIME ZONE 'Asia/Shanghai')::DATE AS biz_date_of
            FROM staging.topups) GROUP BY 1 ORDER BY count(DISTINCT biz_date_of) DESC, 1 LIMIT 1""")
    violation = pick(wh, "SELECT violation_id FROM marts.violations ORDER BY violation_id LIMIT 1")[0]
    params = {
        "account_story": {"account_id": account},
        "cluster_members": {"account_id": clustered},
        "payer_topups": {"payer_ref_hash": payer, "from": first.isoformat(), "to": last.isoformat()},
        "violation_evidence": {"violation_id": violation},
    }
    assert set(params) == set(inv.saved_queries()), "a new saved query needs parameters here"
    with inv.Warehouse.open(wh) as session:
        for name, given in params.items():
            rows = rows_of(inv.run_saved(session, name, given))
            assert rows, f"{name} {given} returned no rows"
            if name == "cluster_members":
                assert {r["account_id"] for r in rows} >= {clustered} and len({r["account_id"] for r in rows}) > 2
                assert all(r["signal"] for r in rows)
            if name == "payer_topups":
                assert {r["topup_id"] for r in rows} == set(pick_all(wh, payer))
            if name == "account_story":
                assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)


def pick_all(wh: Path, payer: str) -> list[str]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT topup_id FROM staging.topups WHERE payer_ref_hash = $p", {"p": payer}).fetchall()]
    finally:
        con.close()


def test_violation_evidence_finds_every_record_a_violation_names(generated):
    """For every violation: itself first, then each top-up, refund, invoice, claim, grant, action
    or adjustment whose id its evidence names."""
    keys = {"topup_id": "top-up", "refund_id": "refund", "invoice_id": "invoice",
            "claim_id": "claim", "grant_id": "grant", "action_id": "account action",
            "adjustment_id": "adjustment"}
    with inv.Warehouse.open(generated) as session:
        violations = session.con.execute(
            "SELECT violation_id, rule_id, evidence FROM marts.violations").fetchall()
        assert len(violations) > 30
        for vid, rule, evidence in violations:
            rows = rows_of(inv.run_saved(session, "violation_evidence", {"violation_id": vid}))
            assert rows[0]["record_kind"] == f"violation {rule}" and rows[0]["record_id"] == vid
            found = {(r["record_kind"], r["record_id"]) for r in rows[1:]}
            named = {(keys[k], v) for k, v in json.loads(evidence).items()
                     if k in keys and isinstance(v, str)}
            assert named <= found, f"{rule} {vid}: {named - found} not found"
            assert len(rows) > 1


def test_the_pypi_duckdb_cli_reads_the_warehouse_read_only(generated):
    exe = BIN / "duckdb"
    if not exe.exists():
        pytest.skip("duckdb-cli (a dev dependency) is not installed")
    proc = subprocess.run([str(exe), "-readonly", "-csv", str(generated), "-c",
                           "SELECT count(*) FROM marts.violations"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(generated), read_only=True)  # DuckDB from Python, as is
    expected = con.execute("SELECT count(*) FROM marts.violations").fetchone()[0]
    con.close()
    assert proc.stdout.split() == ["count_star()", str(expected)] and expected > 0
    # the money macros, read into a CLI session (they are TEMP, so read-only is enough)
    proc = subprocess.run([str(exe), "-readonly", "-csv", str(generated),
                           "-c", "SET VARIABLE tz = 'Asia/Shanghai'", "-c", ".read core/macros.sql",
                           "-c", ("SELECT biz_date(TIMESTAMPTZ '2026-11-19 16:00:00+00') AS d,"
                                  " round_half_even_2(2.345) AS r")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["d,r", "2026-11-20,2.34"]


# --- the prompt ---------------------------------------------------------------------------------

def _own_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty (so ^C is SIGINT)."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A process on a pseudo-terminal, read until a marker appears."""

    def __init__(self, args: list[str], env: dict):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True, preexec_fn=_own_terminal)  # noqa: PLW1509 - setsid+ioctl only
        os.close(slave)
        self.buf = b""

    def until(self, marker: bytes, timeout: float = 120) -> str:
        end = time.monotonic() + timeout
        while marker not in self.buf:
            ready, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"no {marker!r} within {timeout}s; got {self.buf!r}")
            try:
                self.buf += os.read(self.master, 4096)
            except OSError:  # the process ended
                raise AssertionError(f"ended before {marker!r}; got {self.buf!r}") from None
        before, _, self.buf = self.buf.partition(marker)
        return before.decode(errors="replace")

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        os.close(self.master)


def prompt_on(wh: Path, tmp_path: Path) -> Terminal:
    """`ledger-audit sql --warehouse WH` on a pseudo-terminal, HOME in tmp_path."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "TERM": "xterm", "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("LEDGER_AUDIT_SQL_HISTORY", None)
    return Terminal([str(BIN / "ledger-audit"), "sql", "--warehouse", str(wh)], env)


def test_the_prompt_answers_a_query_and_exits_cleanly(published, tmp_path):
    wh = published
    term = prompt_on(wh, tmp_path)
    try:
        banner = term.until(b"sql> ")
        assert "business date 2026-11-19" in banner and "read-only" in banner
        term.send("SELECT topup_id, amount\r")
        term.until(b"...> ")  # a statement ends at ';'
        term.send("FROM staging.topups;\r")
        answer = term.until(b"sql> ")
        assert ["t1", "100.00"] in table_rows(answer) and "(1 row)" in answer
        term.send("DELETE FROM marts.load_audit;\r")
        assert "error: the warehouse is read-only: DELETE is a write statement" in term.until(b"sql> ")
        term.send(".run account_story account_id=a1\r")
        assert "top-up succeeded" in term.until(b"sql> ")
        term.send("\x04")  # Ctrl-D
        assert term.proc.wait(timeout=60) == 0
    finally:
        term.close()
    history = (tmp_path / "home" / ".ledger_audit_sql_history").read_text()
    assert "SELECT topup_id, amount FROM staging.topups;" in history.splitlines()
    assert not list(ROOT.glob("*history*"))  # nothing written into the repository


def test_the_history_file_is_in_home_unless_the_environment_names_one(monkeypatch, tmp_path):
    monkeypatch.delenv("LEDGER_AUDIT_SQL_HISTORY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert inv.history_file() == tmp_path / ".ledger_audit_sql_history"
    monkeypatch.setenv("LEDGER_AUDIT_SQL_HISTORY", str(tmp_path / "elsewhere"))
    assert inv.history_file() == tmp_path / "elsewhere"


def test_statements_piped_to_the_prompt_run_without_a_prompt(published):
    wh = published
    proc = subprocess.run([str(BIN / "ledger-audit"), "sql", "--warehouse", str(wh)],
                          input="SELECT count(*) AS n\nFROM staging.topups;\n.quit\n",
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "sql>" not in proc.stdout and "(1 row)" in proc.stdout


def test_a_printed_table_stops_at_1000_rows_and_csv_writes_them_all(published):
    wh = published
    runner = CliRunner()
    shown = runner.invoke(app, ["sql", "--warehouse", str(wh), "SELECT range AS i FROM range(1001)"])
    assert shown.exit_code == 0
    assert shown.stdout.splitlines()[-1] == (
        "(1000 rows (more not shown: --format csv|json|parquet writes every row))")
    assert ["999"] in table_rows(shown.stdout) and ["1000"] not in table_rows(shown.stdout)
    written = runner.invoke(app, ["sql", "--warehouse", str(wh), "--format", "csv",
                                  "SELECT range AS i FROM range(1001)"])
    assert written.stdout.splitlines()[-1] == "1000" and len(written.stdout.splitlines()) == 1002


def test_a_folder_of_ones_own_queries_with_defaults_and_types(published, tmp_path, monkeypatch):
    (tmp_path / "big_files.sql").write_text(
        "-- big_files: Landing files with at least n rows.\n"
        "--\n"
        "-- One row per file.\n"
        "--\n"
        "-- Parameters:\n"
        "--   n       INTEGER  default=2  fewest rows read\n"
        "--   loaded  BOOLEAN  optional   only files with loaded rows when true\n"
        "SELECT file, rows_read FROM marts.load_audit\n"
        "WHERE rows_read >= $n AND (NOT coalesce($loaded, false) OR rows_loaded > 0) ORDER BY file;\n")
    monkeypatch.setenv("LEDGER_AUDIT_QUERIES", str(tmp_path))
    runner = CliRunner()
    base = ["sql", "--warehouse", str(published), "--format", "csv", "--query", "big_files"]
    assert runner.invoke(app, base).stdout.splitlines() == ["file,rows_read"]  # each file has 1 row
    got = runner.invoke(app, [*base, "--param", "n=1", "--param", "loaded=true"])
    assert got.stdout.splitlines() == ["file,rows_read", "accounts/dt=2026-11-18/part.csv,1",
                                       "topups/dt=2026-11-18/part.csv,1", "usage/dt=2026-11-19/part.csv,1"]
    bad = runner.invoke(app, [*base, "--param", "n=two"])
    assert bad.exit_code == 1 and bad.stderr.splitlines() == [
        "ledger-audit: error: query big_files: --param n='two' is not a whole number"]
    bad = runner.invoke(app, [*base, "--param", "loaded=yes"])
    assert bad.stderr.splitlines() == [
        "ledger-audit: error: query big_files: --param loaded='yes' is not true or false"]


def test_tables_as_csv_is_only_the_csv(published):
    result = CliRunner().invoke(app, ["sql", "--warehouse", str(published), "--tables", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "table,kind,rows,grain"
    assert any(ln.startswith("marts.load_audit,table,3,") for ln in result.stdout.splitlines())
    assert result.stderr.startswith(f"{published}: business date 2026-11-19")


def test_ctrl_c_stops_a_long_query_and_the_prompt_goes_on(published, tmp_path):
    term = prompt_on(published, tmp_path)
    try:
        term.until(b"sql> ")
        term.send("SELECT sum(hash(range)) FROM range(100000000000);\r")  # hours of work
        time.sleep(1.5)
        term.send("\x03")
        assert "error: interrupted (Ctrl-C)" in term.until(b"sql> ", timeout=60)
        term.send("SELECT 6 * 7 AS answer;\r")
        assert ["42"] in table_rows(term.until(b"sql> "))
        term.send(".quit\r")
        assert term.proc.wait(timeout=60) == 0
    finally:
        term.close()
