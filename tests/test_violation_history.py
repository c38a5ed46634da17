"""marts.violation_history: one row per violation and night seen. "New", "still open" and "no
longer seen" are queries on it (reports/legal.py), and re-running a date changes nothing."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from core.db import AuditContext, connect
from reports.legal import BY_RULE, GONE
from transforms.marts.violation_history import build as violation_history

D1, D2, D3 = dt.date(2026, 11, 18), dt.date(2026, 11, 19), dt.date(2026, 11, 20)
VIOLATIONS = """CREATE OR REPLACE TABLE marts.violations AS SELECT * FROM (VALUES {rows}) t(
    violation_id, rule_id, severity, audience, clause, account_id, subject_type, subject_id,
    occurred_at, amount_at_stake, evidence, first_detected_on, last_seen_on)"""


def night(con, day: dt.date, findings: list[tuple[str, str, str]], previous: bool) -> None:
    """Publish one night's violations [(rule_id, subject_id, amount)] and its history, reading
    the previous night's history from the attached database `prev` as the pipeline does."""
    rows = ", ".join(
        f"('v-{r}-{s}-{a}', '{r}', 'violation', 'legal', 'clause of {r}', 'A1', 'topup', '{s}',"
        f" TIMESTAMPTZ '2026-11-01 00:00:00+00', {a}::DECIMAL(18,2), '{{}}', DATE '{day}', DATE '{day}')"
        for r, s, a in findings) or "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::DECIMAL(18,2), NULL, NULL::DATE, NULL::DATE)"
    con.execute(VIOLATIONS.format(rows=rows))
    con.execute("DELETE FROM marts.violations WHERE rule_id IS NULL")
    if previous:
        con.execute("CREATE OR REPLACE TABLE prev.marts.violation_history AS "
                    "SELECT * FROM marts.violation_history")
    violation_history.build(con, AuditContext(day), "prev" if previous else None)


@pytest.fixture
def con(tmp_path):
    c = connect(None, AuditContext(D3))
    c.execute("CREATE SCHEMA marts")
    c.execute("ATTACH $p AS prev", {"p": str(tmp_path / "prev.duckdb")})
    c.execute("CREATE SCHEMA prev.marts")
    yield c
    c.close()


def history(con) -> list[tuple]:
    return con.execute("SELECT night, rule_id, subject_id, amount_at_stake FROM marts.violation_history"
                       " ORDER BY ALL").fetchall()


def test_new_still_open_and_no_longer_seen_are_queries_on_the_history(con):
    night(con, D1, [("R1", "T1", "10.00"), ("R1", "T2", "5.00")], previous=False)
    night(con, D2, [("R1", "T1", "10.00"), ("R2", "T3", "7.50")], previous=True)
    con.execute("SET VARIABLE business_date = DATE '2026-11-19'")

    result = con.execute(BY_RULE, {"d": D2}).fetchall()
    expected = [
        # rule, severity, clause, new n/amount, open n/amount, gone n/amount
        ("R1", "violation", "clause of R1", 0, 0, 1, 10, 1, 5),
        ("R2", "violation", "clause of R2", 1, 7.5, 0, 0, 0, 0),
    ]
    assert [(r[0], r[1], r[2], r[3], float(r[4]), r[5], float(r[6]), r[7], float(r[8]))
            for r in result] == expected
    gone = con.execute(GONE, {"d": D2}).fetchall()
    assert [(g[0], g[3], g[7]) for g in gone] == [("R1", "T2", D1)]  # last seen the night before


def test_rerunning_a_date_changes_nothing_and_later_nights_are_dropped(con):
    night(con, D1, [("R1", "T1", "10.00")], previous=False)
    night(con, D2, [("R1", "T1", "10.00"), ("R2", "T3", "7.50")], previous=True)
    once = history(con)
    night(con, D2, [("R1", "T1", "10.00"), ("R2", "T3", "7.50")], previous=True)
    assert history(con) == once
    assert once == [(D1, "R1", "T1", 10), (D2, "R1", "T1", 10), (D2, "R2", "T3", 7.5)]
    # re-running the older night republishes the warehouse as of that night, its history too
    night(con, D1, [("R1", "T1", "10.00")], previous=True)
    assert history(con) == [(D1, "R1", "T1", 10)]


def test_first_and_last_appearance_of_a_finding(con):
    night(con, D1, [("R1", "T1", "10.00")], previous=False)
    night(con, D2, [], previous=True)
    night(con, D3, [("R1", "T1", "12.00")], previous=True)
    seen = con.execute("SELECT rule_id, subject_id, min(night), max(night), count(*)"
                       " FROM marts.violation_history GROUP BY ALL").fetchall()
    assert seen == [("R1", "T1", D1, D3, 2)]


def test_a_warehouse_published_before_the_history_seeds_it_from_its_violations(con):
    night(con, D1, [("R1", "T1", "10.00")], previous=False)
    con.execute("CREATE OR REPLACE TABLE prev.marts.violations AS SELECT * FROM marts.violations")
    night(con, D2, [("R1", "T1", "10.00")], previous=False)
    violation_history.build(con, AuditContext(D2), "prev")
    assert [(n, s) for n, _, s, _ in history(con)] == [(D1, "T1"), (D2, "T1")]


def test_duckdb_rejects_two_rows_for_one_finding_and_night(con):
    night(con, D1, [("R1", "T1", "10.00")], previous=False)
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO marts.violation_history SELECT * FROM marts.violation_history")
