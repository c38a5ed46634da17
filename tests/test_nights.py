"""Nights run one after the other publish what one run from scratch over the same files
publishes, table by table (issue 10, Part 2): the guard every incremental shortcut must pass.

Every table and view of schemas marts and intermediate is compared as sorted rows. Columns that
say when, not what, are left out: marts.load_audit.loaded_at (the clock at load) and the
first_detected_on of marts.violations and marts.violation_history (the first night that saw the
finding: a night earlier when the nights ran one by one, by design). Likewise
marts.violation_history keeps a row per night seen, so only the last night's rows are compared:
a run from scratch has seen no earlier night."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from ledger_audit.generate import generate
from ledger_audit.pipeline import run_night
from ledger_audit.pipeline.step_audit import said_by

END = dt.date(2026, 11, 20)
NIGHTS = [END - dt.timedelta(days=n) for n in (3, 2, 1, 0)]
WHEN_NOT_WHAT = {("marts", "load_audit"): ["loaded_at"], ("marts", "violations"): ["first_detected_on"],
                 ("marts", "violation_history"): ["first_detected_on"]}
# history tables: only the rows of the warehouse's own (last) night are compared
LAST_NIGHT_ONLY = {("marts", "violation_history"): "night"}
LATE_DAY = END - dt.timedelta(days=10)
LOCK_DAY = dt.date(2026, 11, 14)  # the lock planted for USAGE_WHILE_SUSPENDED in this zone
BEFORE_LAST = "before-last"  # the one-by-one nights' warehouse as night END-1 published it


def tables(path: Path, *, keep_when: bool = False) -> dict[str, list[tuple]]:
    """Every marts and intermediate table and view of the warehouse as sorted rows of text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('marts', 'intermediate')"
            " UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
            " WHERE NOT internal AND schema_name IN ('marts', 'intermediate')").fetchall()
        out = {}
        for schema, name in sorted(names):
            drop = [] if keep_when else WHEN_NOT_WHAT.get((schema, name), [])
            cols = [r[0] for r in con.execute(f'DESCRIBE "{schema}"."{name}"').fetchall() if r[0] not in drop]
            sel = ", ".join(f'"{c}"::VARCHAR' for c in cols)
            night = None if keep_when else LAST_NIGHT_ONLY.get((schema, name))
            where = (f' WHERE "{night}" = (SELECT max("{night}") FROM "{schema}"."{name}")'
                     if night else "")
            out[f"{schema}.{name}"] = con.execute(
                f'SELECT {sel} FROM "{schema}"."{name}"{where} ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()


def assert_same(got: dict, want: dict, what: str) -> None:
    assert sorted(got) == sorted(want), f"{what}: the warehouses hold different tables"
    differ = [name for name in want if got[name] != want[name]]
    assert differ == [], f"{what}: these tables differ from a run from scratch: {differ}"


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nights")
    generate(root / "landing", accounts=300, days=20, seed=23, end=END)
    return root


NIGHT_LOG: dict[dt.date, list[str]] = {}


@pytest.fixture(scope="module")
def one_by_one(zone) -> Path:
    wh = zone / "nightly" / "warehouse.duckdb"
    wh.parent.mkdir()
    for night in NIGHTS:
        with said_by("transforms") as lines:
            run_night(zone / "landing", wh, night, Config())
        NIGHT_LOG[night] = lines
        if night == END - dt.timedelta(days=1):
            shutil.copytree(wh.parent, zone / BEFORE_LAST)
    return wh


def night_before_last(one_by_one: Path, dest: Path) -> Path:
    """A copy of the one-by-one nights' warehouse (with its lake) as night END-1 published it,
    for a test that changes the landing zone before night END."""
    shutil.copytree(one_by_one.parent.parent / BEFORE_LAST, dest)
    return dest / one_by_one.name


@pytest.fixture(scope="module")
def from_scratch(zone) -> Path:
    wh = zone / "scratch" / "warehouse.duckdb"
    wh.parent.mkdir()
    run_night(zone / "landing", wh, END, Config())
    return wh


def test_nights_run_one_by_one_publish_the_tables_of_a_run_from_scratch(one_by_one, from_scratch):
    got, want = tables(one_by_one), tables(from_scratch)
    assert {"marts.account_balances", "marts.funding_breaks", "marts.violations",
            "intermediate.int_balance__state", "intermediate.int_identity__clusters"} <= set(want)
    assert len(want["marts.account_balances"]) > 300, "the zone is too small to prove anything"
    assert_same(got, want, "nights one by one")


def test_each_later_night_recomputes_the_rules_by_day_from_its_own_date_only(one_by_one):
    """The nights one by one (equal to a run from scratch, above) took the short path: a rule
    by day kept the findings of dates before the night and recomputed that night's date."""
    assert "recomputing every day: no published night" in NIGHT_LOG[NIGHTS[0]]
    carried = 0
    for night in NIGHTS[1:]:
        said = [ln for ln in NIGHT_LOG[night] if ln.startswith("RATING_MISMATCH: ")]
        assert len(said) == 1 and said[0].startswith(f"RATING_MISMATCH: recomputed from {night}, "), said
        carried += int(re.search(r"(\d+) findings of earlier dates carried", said[0]).group(1))
    assert carried > 0, "no finding was carried: the zone proves nothing about carrying"


def test_each_later_night_restarts_the_balance_from_the_published_night(one_by_one):
    """The nights one by one (equal to a run from scratch, above) took the balance engine's
    incremental path: each later night restarted the replay from the night before."""
    def balance(night):
        return [ln for ln in NIGHT_LOG[night] if ln.startswith("balance: ")]
    assert balance(NIGHTS[0]) == ["balance: replaying all history: no published night"]
    for before, night in itertools.pairwise(NIGHTS):
        said = balance(night)
        assert len(said) == 2 and said[0].startswith(
            f"balance: restarting from the published night {before} "), said
        # the build started from a copy of the published warehouse (step_audit.start_build)
        assert said[1].startswith("balance: the published rows of 7 tables kept in place"), said


def test_each_later_night_keeps_the_published_caps_and_labelled_calls(one_by_one):
    """The nights one by one (equal to a run from scratch, above) kept the caps of claims filed
    before each night instead of summing their accounts' calls again, and the labelled calls of
    earlier dates instead of reading every call of history."""
    for night in NIGHTS[1:]:
        for what, words in (("liability caps", "filed before"), ("labelled calls", "dates before")):
            said = [ln for ln in NIGHT_LOG[night] if ln.startswith(f"{what}: ")]
            assert len(said) == 1 and re.fullmatch(
                rf"{what}: [1-9]\d* carried \({words} {night}\)", said[0]), said


def test_the_audit_takes_the_duplicate_verdicts_the_validate_step_reached(one_by_one):
    """Reading history's keys is done once a night: the validate step judges the new usage files
    (on the first night, every file) and the audit step takes its verdicts (the nights still
    equal a run from scratch, above)."""
    for night in NIGHTS[1:]:
        said = [ln for ln in NIGHT_LOG[night] if ln.startswith("usage: duplicates judged for ")]
        assert len(said) == 2, said  # the validate step, then the audit step
        assert not said[0].endswith(")") and said[1].endswith(
            " (the verdicts the validate step reached on the same files)"), said
    # the first night judges every file (nothing is published yet), once too
    said = [ln for ln in NIGHT_LOG[NIGHTS[0]] if ln.startswith("usage: duplicates judged over all ")]
    assert len(said) == 2, said
    assert not said[0].endswith(")") and said[1].endswith(
        " (the verdicts the validate step reached on the same files)"), said


def test_a_finding_seen_on_an_earlier_night_keeps_that_night_as_first_detected(one_by_one):
    con = duckdb.connect(str(one_by_one), read_only=True)
    nightly = {(r, s): d for r, s, d in con.execute(
        "SELECT rule_id, subject_id, first_detected_on FROM marts.violations").fetchall()}
    con.close()
    assert set(nightly.values()) <= set(NIGHTS)
    assert min(nightly.values()) == NIGHTS[0], "no finding was already there on the first night"


def test_a_night_with_other_settings_recomputes_every_day(one_by_one, tmp_path):
    """Findings carried from a night run under other settings could be stale: a changed
    setting (or code) makes the next night recompute everything, and say why."""
    nightly = tmp_path / "nightly"
    shutil.copytree(one_by_one.parent, nightly)
    other = Config.model_validate({"platform": {"timezone": Config().platform.timezone},
                                   "rules": {"dispute_days": 31}})
    with said_by("transforms") as lines:
        run_night(one_by_one.parent.parent / "landing", nightly / one_by_one.name,
                  END + dt.timedelta(days=1), other)
    assert ("recomputing every day: the settings or the audit's code changed since the"
            " published night") in lines
    assert not any(ln.startswith("RATING_MISMATCH: recomputed from") for ln in lines)


def test_rerunning_the_last_night_changes_nothing(one_by_one):
    before = tables(one_by_one, keep_when=True)
    with said_by("transforms") as lines:
        run_night(one_by_one.parent.parent / "landing", one_by_one, END, Config())
    assert f"recomputing every day: a re-run: the published night is {END}" in lines
    after = tables(one_by_one, keep_when=True)  # first_detected_on and loaded_at too
    assert_same(after, before, "a re-run")


def _late_files(landing: Path) -> list[Path]:
    """Every landing file of LATE_DAY's partitions of the money sources."""
    files = []
    for source in ("topups", "usage", "refunds", "grants"):
        files += sorted(p for p in (landing / source / f"dt={LATE_DAY}").glob("*") if p.is_file())
    return files


def test_a_late_file_for_an_early_night_is_in_the_next_nights_tables_as_from_scratch(zone, from_scratch):
    """Night END-1 runs without LATE_DAY's money files; they arrive before night END, which must
    then publish what a run from scratch over every file publishes."""
    late = zone / "late"
    shutil.copytree(zone / "landing", late / "landing")
    held = late / "held"
    moved = []
    for f in _late_files(late / "landing"):
        dest = held / f.relative_to(late / "landing")
        dest.parent.mkdir(parents=True, exist_ok=True)
        f.rename(dest)
        moved.append((dest, f))
    assert len(moved) >= 3
    wh = late / "warehouse.duckdb"
    run_night(late / "landing", wh, END - dt.timedelta(days=1), Config())
    without = tables(wh)
    for dest, f in moved:
        dest.rename(f)
    with said_by("transforms") as lines:
        summary = run_night(late / "landing", wh, END, Config())
    assert any(ln.startswith(f"RATING_MISMATCH: recomputed from {LATE_DAY}, ") for ln in lines), lines
    # the night says it judged the duplicates of the late sources over every file again
    assert "topups: duplicates judged over all" in summary
    assert f"topups/dt={LATE_DAY}/" in summary and "comes before the last published file" in summary
    con = duckdb.connect(str(wh), read_only=True)
    late_files = con.execute("SELECT count(*) FROM marts.load_audit WHERE dt = $d", {"d": LATE_DAY}).fetchone()[0]
    con.close()
    assert late_files >= len(moved)
    assert without["marts.account_balances"] != tables(from_scratch)["marts.account_balances"]
    assert_same(tables(wh), tables(from_scratch), "a late file")


def test_a_late_lock_recomputes_the_suspension_rules_from_its_date(zone, from_scratch):
    """The lock and unlock of the account planted for USAGE_WHILE_SUSPENDED (business date
    LOCK_DAY) arrive only before night END, with no call of that date: the rules by day that
    read account actions must recompute from the lock's date, not from END."""
    root = zone / "late-lock"
    shutil.copytree(zone / "landing", root / "landing")
    lock_day = root / "landing" / "account_actions" / f"dt={LOCK_DAY}"
    shutil.move(lock_day, root / "held")
    wh = root / "warehouse.duckdb"
    run_night(root / "landing", wh, END - dt.timedelta(days=1), Config())
    without = tables(wh)["marts.violations"]
    assert not any(r[1] == "USAGE_WHILE_SUSPENDED" for r in without), "the lock is not held back"
    shutil.move(root / "held", lock_day)
    with said_by("transforms") as lines:
        run_night(root / "landing", wh, END, Config())
    assert_same(tables(wh), tables(from_scratch), "a late lock")
    assert f"USAGE_WHILE_SUSPENDED: recomputed from {LOCK_DAY}, 0 findings of earlier dates carried" in lines


def test_a_late_copy_that_displaces_a_kept_record_recomputes_every_day(zone, one_by_one, tmp_path):
    """A late file sorting before an earlier one makes staging keep its copy of a record instead
    of the one published (rules.md §6 "Duplicates"): findings carried from that night could rest
    on the dropped copy, so the next night recomputes every day, equal to a run from scratch."""
    landing = tmp_path / "landing"
    shutil.copytree(zone / "landing", landing)
    wh = night_before_last(one_by_one, tmp_path / "nightly")
    con = duckdb.connect(str(wh), read_only=True)
    cols = ["request_id", "account_id", "api_key_id", "model", "started_at", "input_tokens",
            "output_tokens", "amount", "cash_amount", "trial_amount", "discount_amount",
            "unpaid_amount", "moderation_label"]
    row = con.execute(
        f"SELECT {', '.join(cols)} FROM staging.usage WHERE _dt = $d AND amount > 0"
        " ORDER BY request_id LIMIT 1", {"d": LATE_DAY}).fetchone()
    con.close()
    copy = dict(zip(cols, row))
    copy["amount"] = copy["amount"] * 2  # a conflicting copy, in a partition a day earlier
    copy["started_at"] = copy["started_at"].isoformat()
    early = landing / "usage" / f"dt={LATE_DAY - dt.timedelta(days=1)}" / "late-copy.csv"
    early.write_text(",".join(cols) + "\n" + ",".join("" if v is None else str(v) for v in copy.values())
                     + "\n", encoding="utf-8")

    with said_by("transforms") as lines:
        run_night(landing, wh, END, Config())
    scratch = tmp_path / "scratch" / "warehouse.duckdb"
    scratch.parent.mkdir()
    run_night(landing, scratch, END, Config())

    assert "recomputing every day: a new file changes which copy of an earlier record is kept" in lines
    con = duckdb.connect(str(wh), read_only=True)
    kept = con.execute("SELECT _file, amount FROM staging.usage WHERE request_id = $r",
                       {"r": copy["request_id"]}).fetchall()
    con.close()
    assert kept == [(str(early.relative_to(landing)), copy["amount"])]
    assert_same(tables(wh), tables(scratch), "a late copy kept instead of a published one")


def test_a_late_call_before_a_published_claim_raises_its_cap_as_from_scratch(zone, one_by_one, tmp_path):
    """A call started before a claim was filed, delivered late: the claim's published cap
    (intermediate.int_claims__caps) must not be carried; it is summed again, as from scratch."""
    landing = tmp_path / "landing"
    shutil.copytree(zone / "landing", landing)
    wh = night_before_last(one_by_one, tmp_path / "nightly")
    con = duckdb.connect(str(wh), read_only=True)
    claim, account, model, cap, at, day = con.execute(
        "SELECT claim_id, account_id, model, cap, filed_at - INTERVAL 1 HOUR,"
        " strftime(timezone('Asia/Shanghai', filed_at - INTERVAL 1 HOUR), '%Y-%m-%d')"
        " FROM marts.liability_caps WHERE cap_basis = 'paid' ORDER BY filed_at LIMIT 1").fetchone()
    con.close()
    call = {"request_id": "late-cap-call", "account_id": account, "api_key_id": "k-late", "model": model,
            "started_at": at.isoformat(), "input_tokens": 1000, "output_tokens": 0, "amount": "7.00",
            "cash_amount": "7.00", "trial_amount": "0", "discount_amount": "0", "unpaid_amount": "0",
            "moderation_label": ""}
    late = landing / "usage" / f"dt={day}" / "late-cap-call.csv"
    late.write_text(",".join(call) + "\n" + ",".join(str(v) for v in call.values()) + "\n",
                    encoding="utf-8")

    run_night(landing, wh, END, Config())
    scratch = tmp_path / "scratch" / "warehouse.duckdb"
    scratch.parent.mkdir()
    run_night(landing, scratch, END, Config())

    con = duckdb.connect(str(wh), read_only=True)
    now = con.execute("SELECT cap FROM marts.liability_caps WHERE claim_id = $c", {"c": claim}).fetchone()[0]
    con.close()
    assert now == cap + 7
    assert_same(tables(wh), tables(scratch), "a late call before a published claim")


RESENT = f"topups/dt={END}/zz-resent.csv"


def _staging_and_audit(path: Path) -> dict[str, list[tuple]]:
    """What the duplicate check decides: the excluded rows, the load audit (without the clock)
    and the quarantine, and the topups a rule reads (staging.topups), as sorted rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {q: con.execute(q).fetchall() for q in (
            "SELECT * FROM meta.excluded_rows ORDER BY ALL",
            "SELECT * EXCLUDE (loaded_at) FROM marts.load_audit ORDER BY ALL",
            "SELECT * FROM marts.quarantine ORDER BY ALL",
            "SELECT * FROM staging.topups ORDER BY ALL")}
    finally:
        con.close()


def test_a_new_nights_copy_of_a_row_loaded_nights_ago_is_judged_as_from_scratch(zone, one_by_one):
    """Night END brings a file resending two top-ups first loaded on 2026-11-05 (rows 1 and 2
    of topups/dt=2026-11-05/part-000.csv): one byte for byte, one with another amount. Judged
    against the published keys only, they are a duplicate and a conflicting copy naming the
    first copy, and every table equals a run from scratch."""
    root = zone / "resent"
    shutil.copytree(zone / "landing", root / "landing")
    (root / "landing" / RESENT).write_text(
        "topup_id,account_id,paid_at,amount,method,payer_ref_hash,payer_id_hash,promotion_ids,"
        "status,chargeback_at,ingest_batch\n"
        "T00000048,A00000048,2026-11-05T08:57:04.000500+08:00,140.00,wechat_pay,"
        "pay_16c8ae113a8db6b4,,,succeeded,,b0040\n"
        "T00000076,A00000076,2026-11-05T23:06:38.000500+08:00,80.00,wechat_pay,"
        "pay_f356b238d69b731e,,,succeeded,,b0040\n", encoding="utf-8")
    nightly = night_before_last(one_by_one, root / "nightly")  # night END-1 did not see RESENT
    summary = run_night(root / "landing", nightly, END, Config())
    quick = next(line for line in summary.splitlines() if "against the published keys" in line)
    assert "topups" in quick, summary  # the shortcut was taken, not the full scan

    con = duckdb.connect(str(nightly), read_only=True)
    got = con.execute("SELECT row_number, kind, reason FROM meta.excluded_rows WHERE file = $f"
                      " ORDER BY row_number", {"f": RESENT}).fetchall()
    audit = con.execute("SELECT rows_read, rows_loaded, rows_duplicate, rows_quarantined"
                        " FROM marts.load_audit WHERE file = $f", {"f": RESENT}).fetchall()
    con.close()
    first = "topups/dt=2026-11-05/part-000.csv row 2"
    assert got == [(1, "duplicate", None),
                   (2, "conflict", f"conflicting copy of topup_id=T00000076 first loaded from {first}")]
    assert audit == [(2, 0, 1, 1)]

    scratch = root / "scratch" / "warehouse.duckdb"
    run_night(root / "landing", scratch, END, Config())
    assert_same(_staging_and_audit(nightly), _staging_and_audit(scratch), "a resent row")
    assert_same(tables(nightly), tables(scratch), "a resent row")


def test_a_late_file_with_the_first_copy_of_a_published_row_is_judged_as_from_scratch(zone, one_by_one):
    """A file for 2026-11-02 arrives after night END-1, resending top-up T00000048 first
    loaded on 2026-11-05. It comes first in (dt, file) now, so the published 2026-11-05 row
    becomes the duplicate: the shortcut would miss that, and the night takes the full scan."""
    root = zone / "late-copy"
    shutil.copytree(zone / "landing", root / "landing")
    late = root / "landing" / "topups" / "dt=2026-11-02" / "late-000.csv"
    nightly = night_before_last(one_by_one, root / "nightly")
    late.write_text(
        "topup_id,account_id,paid_at,amount,method,payer_ref_hash,payer_id_hash,promotion_ids,"
        "status,chargeback_at,ingest_batch\n"
        "T00000048,A00000048,2026-11-05T08:57:04.000500+08:00,140.00,wechat_pay,"
        "pay_16c8ae113a8db6b4,,,succeeded,,b0040\n", encoding="utf-8")
    summary = run_night(root / "landing", nightly, END, Config())
    assert "topups: duplicates judged over all" in summary
    assert "topups/dt=2026-11-02/late-000.csv comes before the last published file" in summary

    con = duckdb.connect(str(nightly), read_only=True)
    got = con.execute("SELECT file, row_number, kind FROM meta.excluded_rows"
                      " WHERE file IN ($a, $b)", {"a": "topups/dt=2026-11-02/late-000.csv",
                                                   "b": "topups/dt=2026-11-05/part-000.csv"}).fetchall()
    con.close()
    assert got == [("topups/dt=2026-11-05/part-000.csv", 1, "duplicate")]

    scratch = root / "scratch" / "warehouse.duckdb"
    run_night(root / "landing", scratch, END, Config())
    assert_same(_staging_and_audit(nightly), _staging_and_audit(scratch), "a late first copy")
    assert_same(tables(nightly), tables(scratch), "a late first copy")


def test_the_nights_warehouse_file_stays_near_the_size_of_one_built_from_scratch(one_by_one,
                                                                                from_scratch):
    """A night's build starts from a copy of the published warehouse and drops what it rebuilds
    (step_audit.start_build); the dropped tables' space is reused by the build (it is freed by a
    checkpoint first), so the file does not grow by a night's tables every night. Without that
    checkpoint these four nights leave a file twice the size of one run; with it, 1.3 times
    (DuckDB allocates 256 KiB blocks, which weighs on a zone this small)."""
    assert one_by_one.stat().st_size <= 1.5 * from_scratch.stat().st_size
