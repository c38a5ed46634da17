"""Loading the landing zone (transforms/landing/, transforms/staging/stg_sources.py, pipeline.step_load):
every format to the same typed rows, bad rows and bad files, duplicates, re-runs, late files.
Each test writes a few rows by hand; the expected rows are written from the contract."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.config import Config
from core.errors import AuditError, BadFileError
from ledger_audit import pipeline
from ledger_audit.pipeline import step_audit, step_load, step_validate
from ledger_audit.pipeline.handover import read_load_state
from ledger_audit.publish import WarehousePaths
from transforms.landing import LandingFile, discover, load_file, sha256_of
from transforms.staging.stg_sources import stage

D = dt.date(2026, 11, 20)
UTC = dt.UTC
TOPUP_COLUMNS = ["topup_id", "account_id", "paid_at", "amount", "method", "payer_ref_hash",
                 "payer_id_hash", "promotion_ids", "status", "chargeback_at"]


def write(landing: Path, source: str, day: str, name: str, rows: list[dict]) -> Path:
    """A landing file in the format its name says; CSV and Parquet hold every value as text."""
    path = landing / source / f"dt={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if name.endswith((".csv", ".csv.gz")):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([["" if r.get(c) is None else str(r[c]) for c in columns] for r in rows])
        data = buf.getvalue().encode()
    elif name.endswith((".jsonl", ".jsonl.gz")):
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    else:
        table = pa.table({c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows],
                                       pa.string()) for c in columns})
        pq.write_table(table, path)
        return path
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    return path


def topup(tid="t1", **over) -> dict:
    row = {"topup_id": tid, "account_id": "a1", "paid_at": "2026-11-20T10:00:00+08:00",
           "amount": "12.30", "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}
    return {**row, **over}


def usage(rid="r1", **over) -> dict:
    row = {"request_id": rid, "account_id": "a1", "api_key_id": "k1", "model": "glm-4",
           "started_at": "2026-11-20T10:00:00+08:00", "input_tokens": "10", "output_tokens": "5",
           "amount": "0.001200", "cash_amount": "0.001200", "trial_amount": "0",
           "discount_amount": "0"}
    return {**row, **over}


def load_one(tmp_path: Path, source: str, name: str, rows: list[dict]):
    """Load one file; return (entry, typed rows as dicts without lineage, quarantine rows)."""
    path = write(tmp_path / "landing", source, "2026-11-20", name, rows)
    lf = LandingFile(source, D, path.relative_to(tmp_path / "landing").as_posix(), path)
    con = duckdb.connect()
    entry = load_file(con, lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    con.execute("SET TimeZone = 'UTC'")
    rel = con.execute("SELECT * EXCLUDE (_dt, _file) FROM read_parquet($p, hive_partitioning=false) ORDER BY _row",
                      {"p": str(entry.parquet(tmp_path / "lake"))})
    cols = [d[0] for d in rel.description]
    typed = [dict(zip(cols, r)) for r in rel.fetchall()]
    q = entry.quarantine(tmp_path / "lake")
    bad = con.execute("SELECT row_number, reason, raw FROM read_parquet($p, hive_partitioning=false) ORDER BY row_number",
                      {"p": str(q)}).fetchall() if q else []
    return entry, typed, bad


def staged(tmp_path: Path, date: dt.date = D) -> duckdb.DuckDBPyConnection:
    """pipeline.load, then the staging views, load_audit and quarantine on an in-memory DB."""
    wh = tmp_path / "out" / "warehouse.duckdb"
    pipeline.load(tmp_path / "landing", wh, date, Config())
    state = read_load_state(WarehousePaths(wh), date)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    stage(con, state["entries"], WarehousePaths(wh).lake)
    return con


@pytest.fixture
def no_build(monkeypatch):
    """The night without the audit's build and expectations: only loading is under test here."""
    monkeypatch.setattr("transforms.build.build_all", lambda con, ctx, previous=None, changes=None: None)
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])


# --- formats and types ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.csv", "a.csv.gz", "a.jsonl", "a.jsonl.gz", "a.parquet"])
def test_every_format_loads_to_the_same_typed_rows(tmp_path, name):
    rows = [topup("t1", amount="12.3", extra_column="ignored"),
            topup("t2", paid_at="2026-11-19T18:00:00Z", amount="7", chargeback_at="",
                  promotion_ids="p1;p2", status="failed")]
    entry, result, bad = load_one(tmp_path, "topups", name, rows)
    expected = [
        {"topup_id": "t1", "account_id": "a1", "paid_at": dt.datetime(2026, 11, 20, 2, tzinfo=UTC),
         "amount": Decimal("12.30"), "method": "card", "payer_ref_hash": "p1", "payer_id_hash": None,
         "promotion_ids": None, "status": "succeeded", "chargeback_at": None, "_row": 1},
        {"topup_id": "t2", "account_id": "a1", "paid_at": dt.datetime(2026, 11, 19, 18, tzinfo=UTC),
         "amount": Decimal("7.00"), "method": "card", "payer_ref_hash": "p1", "payer_id_hash": None,
         "promotion_ids": "p1;p2", "status": "failed", "chargeback_at": None, "_row": 2},
    ]
    assert result == expected
    assert bad == []
    assert (entry.rows_read, entry.rows_valid, entry.rows_bad) == (2, 2, 0)


def test_money_is_an_exact_decimal_of_the_contract_scale(tmp_path):
    _, result, _ = load_one(tmp_path, "usage", "u.csv", [usage(amount="0.000001", cash_amount="0.1")])
    assert (result[0]["amount"], result[0]["cash_amount"]) == (Decimal("0.000001"), Decimal("0.100000"))
    con = duckdb.connect()
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p, hive_partitioning=false))",
                             {"p": str(next((tmp_path / "lake").rglob("*.parquet")))}).fetchall())
    assert types["amount"] == "DECIMAL(18,6)" and types["input_tokens"] == "BIGINT"


def test_json_numbers_are_read_as_their_exact_values(tmp_path):
    path = tmp_path / "landing" / "usage" / "dt=2026-11-20" / "u.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"request_id": "r1", "account_id": "a1", "api_key_id": "k", "model": "m",'
                    ' "started_at": "2026-11-20T10:00:00+08:00", "input_tokens": 12, "output_tokens": 0,'
                    ' "amount": 0.123457, "cash_amount": 12.30, "trial_amount": 0, "discount_amount": 1e-6}\n')
    lf = LandingFile("usage", D, "usage/dt=2026-11-20/u.jsonl", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    row = duckdb.connect().execute(
        "SELECT input_tokens, amount, cash_amount, trial_amount, discount_amount FROM read_parquet($p, hive_partitioning=false)",
        {"p": str(entry.parquet(tmp_path / "lake"))}).fetchone()
    assert row == (12, Decimal("0.123457"), Decimal("12.300000"), Decimal(0), Decimal("0.000001"))


def test_json_numbers_with_18_significant_digits_keep_every_digit(tmp_path):
    # DuckDB's and polars' JSON readers turn 123456789012.123456 into ...12346 (a double);
    # the loader must not: money is exact from file to report.
    path = tmp_path / "landing" / "usage" / "dt=2026-11-20" / "u.jsonl.gz"
    path.parent.mkdir(parents=True)
    line = ('{"request_id": "r1", "account_id": "a1", "api_key_id": "k", "model": "m",'
            ' "started_at": "2026-11-20T10:00:00+08:00", "input_tokens": 12, "output_tokens": 0,'
            ' "amount": 123456789012.123456, "cash_amount": 123456789012.123456,'
            ' "trial_amount": 0, "discount_amount": 0}\n')
    path.write_bytes(gzip.compress(line.encode()))
    lf = LandingFile("usage", D, "usage/dt=2026-11-20/u.jsonl.gz", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    row = duckdb.connect().execute(
        "SELECT amount, cash_amount FROM read_parquet($p, hive_partitioning=false)",
        {"p": str(entry.parquet(tmp_path / "lake"))}).fetchone()
    assert row == (Decimal("123456789012.123456"), Decimal("123456789012.123456"))


def test_one_json_number_late_in_a_file_of_text_values_is_still_read_exactly(tmp_path):
    # money written as JSON strings is read natively; one number anywhere must not pass through
    # a double (the whole file is then read by the exact reader)
    rows = [usage(f"r{i}") for i in range(1, 5)]
    path = write(tmp_path / "landing", "usage", "2026-11-20", "u.jsonl.gz", rows)
    last = json.dumps(usage("r5")).replace('"amount": "0.001200"', '"amount": 123456789012.123456')
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + last.encode() + b"\n"))
    lf = LandingFile("usage", D, "usage/dt=2026-11-20/u.jsonl.gz", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    amounts = duckdb.connect().execute(
        "SELECT request_id, amount FROM read_parquet($p, hive_partitioning=false) ORDER BY _row",
        {"p": str(entry.parquet(tmp_path / "lake"))}).fetchall()
    assert amounts == [(f"r{i}", Decimal("0.001200")) for i in range(1, 5)] + [
        ("r5", Decimal("123456789012.123456"))]


def test_jsonl_text_with_escapes_and_a_bad_row_keeps_values_and_the_original_line(tmp_path):
    rows = [topup("t1", payer_ref_hash='q"\\é\u00e9/'), topup("t2", amount="12.345", extra="x"),
            topup("t3")]
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.jsonl", rows)
    text = path.read_text().splitlines()
    path.write_text(text[0] + "\n\n  \n" + text[1] + "\n" + text[2] + "\n")  # blank lines
    lf = LandingFile("topups", D, "topups/dt=2026-11-20/a.jsonl", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    con = duckdb.connect()
    good = con.execute("SELECT topup_id, payer_ref_hash, _row FROM read_parquet($p,"
                       " hive_partitioning=false) ORDER BY _row",
                       {"p": str(entry.parquet(tmp_path / "lake"))}).fetchall()
    assert good == [("t1", 'q"\\éé/', 1), ("t3", "p1", 3)]
    bad = con.execute("SELECT row_number, raw, reason FROM read_parquet($p)",
                      {"p": str(entry.quarantine(tmp_path / "lake"))}).fetchall()
    assert bad == [(2, json.dumps(topup("t2", amount="12.345", extra="x")),
                    "bad decimal for amount: '12.345' (at most 2 decimals)")]


def test_an_empty_jsonl_file_loads_no_rows_instead_of_failing(tmp_path):
    # a partition may arrive with an empty file (no records that day); it has no keys to check
    path = tmp_path / "landing" / "usage" / "dt=2026-11-20" / "u.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("")
    lf = LandingFile("usage", D, "usage/dt=2026-11-20/u.jsonl", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "Asia/Shanghai")
    assert (entry.rows_read, entry.rows_bad) == (0, 0)


def test_naive_timestamp_is_read_in_asia_shanghai(tmp_path):
    _, result, _ = load_one(tmp_path, "topups", "a.csv", [topup(paid_at="2026-11-20 10:00:00")])
    assert result[0]["paid_at"] == dt.datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_naive_timestamp_follows_the_configured_platform_timezone(tmp_path):
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup(paid_at="2026-11-20 10:00:00")])
    lf = LandingFile("topups", D, "topups/dt=2026-11-20/a.csv", path)
    entry = load_file(duckdb.connect(), lf, tmp_path / "lake", sha256_of(path), "America/New_York")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    got = con.execute("SELECT paid_at FROM read_parquet($p, hive_partitioning=false)", {"p": str(entry.parquet(tmp_path / "lake"))}).fetchone()[0]
    assert got == dt.datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # EST is UTC-5 in November


# --- bad rows ---------------------------------------------------------------------------------

BAD_TOPUPS = [
    (topup("t1", account_id=""), "missing required value: account_id"),
    (topup("t2", amount="12.345"), "bad decimal for amount: '12.345' (at most 2 decimals)"),
    (topup("t3", amount="twelve"), "bad decimal for amount: 'twelve' (at most 2 decimals)"),
    (topup("t4", status="ok"), "bad value for status: 'ok' (expected succeeded|failed)"),
    (topup("t5", amount="0"), "amount must be greater than 0"),
    (topup("t6", amount="-5.00"), "amount must be greater than 0"),
    (topup("t7", paid_at="yesterday"), "bad timestamp for paid_at: 'yesterday'"),
    (topup("t8", chargeback_at="soon"), "bad timestamp for chargeback_at: 'soon'"),
    (topup("t9"), None),
]


def test_each_kind_of_bad_row_is_quarantined_with_its_reason(tmp_path):
    entry, good, bad = load_one(tmp_path, "topups", "a.csv", [r for r, _ in BAD_TOPUPS])
    result = [(n, reason) for n, reason, _ in bad]
    expected = [(i + 1, reason) for i, (_, reason) in enumerate(BAD_TOPUPS) if reason]
    assert result == expected
    assert [r["topup_id"] for r in good] == ["t9"]
    assert (entry.rows_read, entry.rows_valid, entry.rows_bad) == (9, 1, 8)


def test_negative_tokens_and_bad_integers_in_usage_are_quarantined(tmp_path):
    rows = [usage("r1", input_tokens="-1"), usage("r2", output_tokens="-3"),
            usage("r3", input_tokens="2.5"), usage("r4", output_tokens="1e3"),
            usage("r5", amount="0.0000001"), usage("r6", input_tokens="0")]
    _, good, bad = load_one(tmp_path, "usage", "u.jsonl", rows)
    assert [(n, reason) for n, reason, _ in bad] == [
        (1, "input_tokens must not be negative"),
        (2, "output_tokens must not be negative"),
        (3, "bad integer for input_tokens: '2.5'"),
        (4, "bad integer for output_tokens: '1e3'"),
        (5, "bad decimal for amount: '0.0000001' (at most 6 decimals)"),
    ]
    assert [r["request_id"] for r in good] == ["r6"]


def test_numbers_padded_with_spaces_and_instants_far_from_now_are_read_as_written(tmp_path):
    # the typing casts unpadded text directly and checks the years of an instant between 1900
    # and 9000 by comparison; padded text and other years take the general path, which must
    # read them as it always did (a no-break space is a space to trim, year 1 is a year)
    rows = [usage("r1", amount=" 0.001200 ", input_tokens="\u00a010\u00a0",
                  cash_amount="\u00a00.001200"),
            usage("r2", started_at="0001-06-01T00:00:00+00:00"),
            usage("r3", started_at="9999-06-01T00:00:00+00:00")]
    _, good, bad = load_one(tmp_path, "usage", "u.jsonl", rows)
    assert bad == []
    assert (good[0]["amount"], good[0]["cash_amount"], good[0]["input_tokens"]) == (
        Decimal("0.001200"), Decimal("0.001200"), 10)
    assert [r["started_at"].year for r in good[1:]] == [1, 9999]


def test_bad_boolean_and_date_are_quarantined(tmp_path):
    promo = {"promotion_id": "p1", "kind": "coupon", "stackable": "maybe", "new_customers_only": "false"}
    acct = {"account_id": "a1", "updated_at": "2026-11-01T00:00:00+08:00",
            "registered_at": "2026-11-01T00:00:00+08:00", "account_type": "personal", "birth_date": "2026-02-30"}
    assert [r for _, r, _ in load_one(tmp_path / "p", "promotions", "p.csv", [promo])[2]] == [
        "bad boolean for stackable: 'maybe'"]
    assert [r for _, r, _ in load_one(tmp_path / "a", "accounts", "a.csv", [acct])[2]] == [
        "bad date for birth_date: '2026-02-30'"]


def test_quarantined_row_keeps_its_original_text(tmp_path):
    _, _, bad = load_one(tmp_path, "topups", "a.csv", [topup("t1", amount="12.345", extra="x")])
    assert json.loads(bad[0][2]) == {**topup("t1", amount="12.345"), "extra": "x"}


# --- bad files --------------------------------------------------------------------------------


def test_file_missing_a_required_column_fails_naming_the_file(tmp_path):
    rows = [{k: v for k, v in topup().items() if k != "amount"}]
    write(tmp_path / "landing", "topups", "2026-11-20", "no_amount.csv", rows)
    with pytest.raises(BadFileError, match=r"^topups: topups/dt=2026-11-20/no_amount.csv lacks required column\(s\) amount$"):
        pipeline.load(tmp_path / "landing", tmp_path / "out" / "w.duckdb", D, Config())


def test_unreadable_file_fails_naming_the_file(tmp_path):
    path = tmp_path / "landing" / "usage" / "dt=2026-11-20" / "broken.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(BadFileError, match=r"^usage: cannot read usage/dt=2026-11-20/broken.parquet: "):
        pipeline.load(tmp_path / "landing", tmp_path / "out" / "w.duckdb", D, Config())


def test_malformed_json_line_fails_naming_the_file(tmp_path):
    path = write(tmp_path / "landing", "usage", "2026-11-20", "u.jsonl", [usage()])
    with open(path, "a") as f:
        f.write('{"request_id": "r2", \n')
    with pytest.raises(BadFileError, match=r"usage: cannot read usage/dt=2026-11-20/u.jsonl"):
        pipeline.load(tmp_path / "landing", tmp_path / "out" / "w.duckdb", D, Config())


def test_jsonl_files_of_one_source_loaded_together_keep_each_files_rows_and_numbers(tmp_path):
    """Several JSONL files of a source are typed in one pass; each file still gets its own rows,
    its own row numbers (blank lines not counted), its bad rows' original lines, and a file the
    pass cannot vouch for (a JSON number, a line that is not JSON) is read alone as before."""
    landing = tmp_path / "landing"
    a = write(landing, "usage", "2026-11-20", "a.jsonl", [usage("a1"), usage("a2"), usage("a3", amount="abc")])
    b = write(landing, "usage", "2026-11-20", "b.jsonl.gz", [usage("b1"), usage("b2")])
    b.write_bytes(gzip.compress(gzip.decompress(b.read_bytes()).replace(b"\n", b"\n\n", 1), mtime=0))
    write(landing, "usage", "2026-11-20", "c.jsonl", [usage("c1", amount=0.1)])  # a JSON number
    write(landing, "usage", "2026-11-20", "d.jsonl", [usage("d1"), usage("d2")])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.load(landing, wh, D, Config())
    lake = WarehousePaths(wh).lake
    entries = {e.file.rsplit("/", 1)[1]: e for e in read_load_state(WarehousePaths(wh), D)["entries"]}
    assert {n: (e.rows_read, e.rows_valid, e.rows_bad) for n, e in entries.items()} == {
        "a.jsonl": (3, 2, 1), "b.jsonl.gz": (2, 2, 0), "c.jsonl": (1, 1, 0), "d.jsonl": (2, 2, 0)}
    con = duckdb.connect()
    rows = {n: con.execute("SELECT _row, request_id, amount::VARCHAR FROM read_parquet($p) ORDER BY _row",
                           {"p": str(e.parquet(lake))}).fetchall() for n, e in entries.items()}
    assert rows == {"a.jsonl": [(1, "a1", "0.001200"), (2, "a2", "0.001200")],
                    "b.jsonl.gz": [(1, "b1", "0.001200"), (2, "b2", "0.001200")],
                    "c.jsonl": [(1, "c1", "0.100000")],
                    "d.jsonl": [(1, "d1", "0.001200"), (2, "d2", "0.001200")]}
    bad = con.execute("SELECT file, row_number, raw, reason FROM read_parquet($p)",
                      {"p": str(entries["a.jsonl"].quarantine(lake))}).fetchall()
    assert bad == [("usage/dt=2026-11-20/a.jsonl", 3, a.read_text().splitlines()[2],
                    "bad decimal for amount: 'abc' (at most 6 decimals)")]

    with open(landing / "usage" / "dt=2026-11-20" / "d.jsonl", "a") as f:
        f.write('{"request_id": "d3", \n')  # d.jsonl is now unreadable; a new file beside it
    write(landing, "usage", "2026-11-20", "e.jsonl", [usage("e1")])
    with pytest.raises(BadFileError, match=r"usage: cannot read usage/dt=2026-11-20/d.jsonl"):
        pipeline.load(landing, tmp_path / "out2" / "w.duckdb", D, Config())


def test_partitions_after_the_date_and_other_files_are_not_read(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "topups", "2026-11-20", "a.csv", [topup()])
    write(landing, "topups", "2026-11-21", "b.csv", [topup("t2")])
    (landing / "topups" / "dt=2026-11-20" / "_SUCCESS").write_text("")
    (landing / "topups" / "dt=2026-11-20" / "notes.txt").write_text("hello")
    files, warnings = discover(landing, D)
    assert [f.file for f in files] == ["topups/dt=2026-11-20/a.csv"]
    assert warnings == ["skipped topups/dt=2026-11-20/notes.txt: not one of .csv, .csv.gz, .jsonl, .jsonl.gz, .parquet"]


# --- duplicates -------------------------------------------------------------------------------


def test_identical_duplicate_is_dropped_and_counted(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "topups", "2026-11-19", "a.csv", [topup("t1", amount="12.30")])
    # same record: 12.3 = 12.30, the same instant in another offset, an extra column
    write(landing, "topups", "2026-11-20", "b.jsonl",
          [topup("t1", amount="12.3", paid_at="2026-11-20T02:00:00Z", note="resent"), topup("t2")])
    con = staged(tmp_path)
    assert con.execute("SELECT topup_id, _file, _row FROM staging.topups ORDER BY 1").fetchall() == [
        ("t1", "topups/dt=2026-11-19/a.csv", 1), ("t2", "topups/dt=2026-11-20/b.jsonl", 2)]
    result = con.execute("SELECT file, rows_read, rows_loaded, rows_duplicate, rows_quarantined"
                         " FROM marts.load_audit ORDER BY file").fetchall()
    assert result == [("topups/dt=2026-11-19/a.csv", 1, 1, 0, 0),
                      ("topups/dt=2026-11-20/b.jsonl", 2, 1, 1, 0)]
    assert con.execute("SELECT count(*) FROM marts.quarantine").fetchone()[0] == 0


def test_differing_copy_is_quarantined_and_the_first_kept(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "topups", "2026-11-20", "a.csv", [topup("t1", amount="12.30"), topup("t1", amount="99.00")])
    write(landing, "topups", "2026-11-20", "b.csv", [topup("t1", amount="12.30")])
    con = staged(tmp_path)
    assert con.execute("SELECT topup_id, amount FROM staging.topups").fetchall() == [("t1", Decimal("12.30"))]
    assert con.execute("SELECT file, row_number, reason FROM marts.quarantine").fetchall() == [
        ("topups/dt=2026-11-20/a.csv", 2,
         "conflicting copy of topup_id=t1 first loaded from topups/dt=2026-11-20/a.csv row 1")]
    assert con.execute("SELECT file, rows_loaded, rows_duplicate, rows_quarantined FROM marts.load_audit"
                       " ORDER BY file").fetchall() == [
        ("topups/dt=2026-11-20/a.csv", 1, 0, 1), ("topups/dt=2026-11-20/b.csv", 0, 1, 0)]


def test_the_first_copy_is_chosen_by_partition_file_and_row_not_by_arrival(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "topups", "2026-11-20", "a.csv", [topup("t1", amount="50.00")])
    staged(tmp_path)  # the night of the 20th loads a.csv
    write(landing, "topups", "2026-11-19", "late.csv", [topup("t1", amount="10.00")])  # arrives late
    con = staged(tmp_path)
    assert con.execute("SELECT amount, _file FROM staging.topups").fetchall() == [
        (Decimal("10.00"), "topups/dt=2026-11-19/late.csv")]
    assert con.execute("SELECT file, reason FROM marts.quarantine").fetchall() == [
        ("topups/dt=2026-11-20/a.csv",
         "conflicting copy of topup_id=t1 first loaded from topups/dt=2026-11-19/late.csv row 1")]


def test_rows_read_is_loaded_plus_duplicate_plus_quarantined_for_every_file(tmp_path):
    landing = tmp_path / "landing"
    write(landing, "usage", "2026-11-19", "u1.csv", [usage("r1"), usage("r2", amount="x"), usage("r3")])
    write(landing, "usage", "2026-11-20", "u2.jsonl.gz",
          [usage("r1"), usage("r3", amount="0.5"), usage("r4"), usage("r5", input_tokens="-1")])
    write(landing, "usage", "2026-11-20", "u3.parquet", [usage("r4"), usage("r4"), usage("r6")])
    con = staged(tmp_path)
    result = con.execute("SELECT file, rows_read, rows_loaded, rows_duplicate, rows_quarantined"
                         " FROM marts.load_audit ORDER BY file").fetchall()
    assert result == [("usage/dt=2026-11-19/u1.csv", 3, 2, 0, 1),
                      ("usage/dt=2026-11-20/u2.jsonl.gz", 4, 1, 1, 2),
                      ("usage/dt=2026-11-20/u3.parquet", 3, 1, 2, 0)]
    assert all(r == l + d + q for _, r, l, d, q in result)
    assert con.execute("SELECT count(*) FROM staging.usage").fetchone()[0] == 4  # r1 r3 r4 r6


# --- re-runs, late and changed files ----------------------------------------------------------


def test_a_file_already_loaded_is_not_loaded_twice(tmp_path):
    write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup()])
    wh = tmp_path / "out" / "w.duckdb"
    first = pipeline.load(tmp_path / "landing", wh, D, Config())
    lake = {p: p.stat().st_mtime_ns for p in WarehousePaths(wh).lake.rglob("*.parquet")}
    second = pipeline.load(tmp_path / "landing", wh, D, Config())
    assert (first["files_read"], second["files_read"]) == (1, 0)
    assert {p: p.stat().st_mtime_ns for p in WarehousePaths(wh).lake.rglob("*.parquet")} == lake


def test_a_late_partition_is_picked_up_by_the_next_load(tmp_path):
    write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup("t1")])
    con = staged(tmp_path)
    assert con.execute("SELECT count(*) FROM marts.load_audit").fetchone()[0] == 1
    write(tmp_path / "landing", "topups", "2026-11-18", "late.csv", [topup("t0")])
    con = staged(tmp_path)
    assert con.execute("SELECT topup_id FROM staging.topups ORDER BY 1").fetchall() == [("t0",), ("t1",)]


def test_a_file_changed_after_it_was_published_fails_naming_it(tmp_path, no_build):
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup(amount="12.30")])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup(amount="13.30")])
    os.utime(path, ns=(1, 1))
    with pytest.raises(BadFileError, match=r"^topups: topups/dt=2026-11-20/a.csv changed after it was loaded"):
        pipeline.load(tmp_path / "landing", wh, D, Config())


def test_a_published_file_deleted_from_the_landing_zone_stays_loaded(tmp_path, no_build):
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup()])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    path.unlink()
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT topup_id FROM staging.topups").fetchall() == [("t1",)]


# --- issue 9: change detection and settings that change typing ---------------------------------


def test_content_changed_with_size_and_mtime_kept_is_noticed(tmp_path, no_build):
    # touch -r restores the mtime; the size is the same; only the ctime (set by the kernel on the
    # write, never by touch) and the content tell
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup(amount="12.30")])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b"12.30", b"99.30"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    with pytest.raises(BadFileError, match=r"^topups: topups/dt=2026-11-20/a.csv changed after it was loaded"):
        pipeline.load(tmp_path / "landing", wh, D, Config())


def test_a_file_with_a_new_ctime_but_the_same_bytes_is_hashed_once_not_every_night(
        tmp_path, no_build, monkeypatch):
    path = write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup()])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    os.chmod(path, 0o600)  # a new ctime, the same bytes
    hashed = []
    monkeypatch.setattr(step_load, "sha256_of", lambda p: hashed.append(p) or sha256_of(p))
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    assert hashed == [path]
    hashed.clear()
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    assert hashed == []  # the new stat was recorded: no re-hash of history every night


def test_changing_the_platform_timezone_stops_the_run_naming_the_setting(tmp_path, no_build):
    from core.config import Platform

    write(tmp_path / "landing", "topups", "2026-11-20", "a.csv", [topup(paid_at="2026-11-20 10:00:00")])
    wh = tmp_path / "out" / "w.duckdb"
    pipeline.run_night(tmp_path / "landing", wh, D, Config())
    before = wh.read_bytes()
    berlin = Config(platform=Platform(timezone="Europe/Berlin"))
    with pytest.raises(AuditError, match=r"^setting platform.timezone is Europe/Berlin but the lake"
                                         r" .* was typed under Asia/Shanghai"):
        pipeline.run_night(tmp_path / "landing", wh, D, berlin)
    assert wh.read_bytes() == before
