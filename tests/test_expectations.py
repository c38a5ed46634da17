"""The expectation suites and their runner (expectations/): what passes, what stops the night
(ValidationFailed, one line naming table, partition and expectation) and what is only reported.

Inputs are a few hand-written rows in the in-memory staging tables of conftest's `db`, and mart
tables created here with the contract's columns. Expected messages are written from the brief.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.errors import ValidationFailed
from expectations import validate_marts, validate_sources
from transforms.schema import table

D20 = dt.date(2026, 11, 20)
D19 = dt.date(2026, 11, 19)


def usage_row(request_id: str, **over) -> dict:
    row = {
        "request_id": request_id,
        "account_id": "a1",
        "api_key_id": "k1",
        "model": "glm-4",
        "started_at": "2026-11-20T10:00:00+08:00",
        "input_tokens": 100,
        "output_tokens": 20,
        "amount": "0.123456",
        "cash_amount": "0.100000",
        "trial_amount": "0.023456",
        "discount_amount": "0",
        "unpaid_amount": None,
    }
    row.update(over)
    return row


def move_to(db, source: str, key: str, value: str, day: dt.date) -> None:
    """Put one staged row in partition `day` (the fixture stages every row at the run's date)."""
    db.con.execute(f"UPDATE staging.{source} SET _dt = $d WHERE {key} = $v", {"d": day, "v": value})


# ---- sources ----------------------------------------------------------------------------------


def test_clean_partition_passes(db, tmp_path):
    db.add("usage", usage_row("r1"), usage_row("r2", unpaid_amount="0"))
    db.add(
        "invoices",
        {
            "invoice_id": "i1",
            "account_id": "a1",
            "issued_at": "2026-11-20T12:00:00+08:00",
            "amount": "10.00",
            "title_type": "enterprise",
            "buyer_name": "ACME",
            "buyer_tax_id": "91310000X",
            "status": "issued",
        },
    )

    result = validate_sources(db.con, [("usage", D20), ("invoices", D20)], tmp_path)

    assert result == []


def test_null_required_value_fails_naming_source_partition_and_expectation(db, tmp_path):
    db.add("usage", usage_row("r1"), usage_row("r2", api_key_id=None))

    with pytest.raises(ValidationFailed) as err:
        validate_sources(db.con, [("usage", D20)], tmp_path)

    assert str(err.value).startswith(
        "usage dt=2026-11-20: expect_column_values_to_not_be_null(api_key_id) failed on 1 rows"
    )
    assert "\n" not in str(err.value)


def test_a_validation_that_leaves_the_index_to_a_later_step_still_writes_it_when_a_check_fails(
    db, tmp_path
):
    db.add("usage", usage_row("r1"))
    validate_sources(db.con, [("usage", D20)], tmp_path / "passed", index=False)
    assert not (tmp_path / "passed" / "index.html").exists()

    db.add("usage", usage_row("r2", api_key_id=None))
    with pytest.raises(ValidationFailed):
        validate_sources(db.con, [("usage", D20)], tmp_path / "failed", index=False)
    assert "staging.usage" in (tmp_path / "failed" / "index.html").read_text(encoding="utf-8")


def test_failure_in_a_batch_of_partitions_names_the_partition_it_is_in(db, tmp_path):
    db.add("usage", usage_row("r1"), usage_row("r2", input_tokens=-5), usage_row("r3"))
    move_to(db, "usage", "request_id", "r1", D19)
    move_to(db, "usage", "request_id", "r3", dt.date(2026, 11, 18))

    with pytest.raises(
        ValidationFailed,
        match=r"^usage dt=2026-11-20: "
        r"expect_column_values_to_be_between\(input_tokens\) failed on 1 rows",
    ):
        validate_sources(
            db.con, [("usage", D19), ("usage", D20), ("usage", dt.date(2026, 11, 18))], tmp_path
        )


def test_partitions_beyond_the_gx_row_cap_are_still_checked_row_by_row_in_sql(
    db, tmp_path, monkeypatch
):
    # A first load of many partitions: GX sees the newest ones up to the cap, the older ones
    # get the same expectations as SQL. A bad row in an older partition still stops the night.
    import expectations.runner

    monkeypatch.setattr(expectations.runner, "GX_ROW_CAP", 1)
    db.add("usage", usage_row("r1", input_tokens=-5), usage_row("r2"))
    move_to(db, "usage", "request_id", "r1", D19)

    with pytest.raises(
        ValidationFailed,
        match=r"^usage dt=2026-11-19: expect_column_values_to_be_between\(input_tokens\) failed on 1 rows",
    ):
        validate_sources(db.con, [("usage", D19), ("usage", D20)], tmp_path)


def test_warn_level_problem_is_returned_not_raised(db, tmp_path):
    db.add(
        "invoices",
        {
            "invoice_id": "i1",
            "account_id": "a1",
            "issued_at": "2026-11-20T12:00:00+08:00",
            "amount": "10.00",
            "title_type": "enterprise",
            "buyer_name": "ACME",
            "buyer_tax_id": None,
            "status": "issued",
        },
    )
    db.add("usage", usage_row("r1", amount="1.000000"))  # parts sum to 0.123456, not 1

    result = validate_sources(db.con, [("invoices", D20), ("usage", D20)], tmp_path)

    assert [line.split(" failed")[0] for line in result] == [
        (
            "invoices dt=2026-11-20: expect_column_values_to_not_be_null(buyer_tax_id where "
            "title_type == enterprise)"
        ),
        (
            "usage dt=2026-11-20: expect_multicolumn_sum_to_equal(cash_amount, trial_amount, "
            "discount_amount, unpaid_amount__or_0, amount__negated)"
        ),
    ]


@pytest.mark.parametrize(
    ("ids", "old_rows", "repeated"),
    [
        # a new row repeating an old partition's key: history is probed with tonight's keys
        (["r1", "r1"], "_row = 1", "request_id=r1 x2 in dt=2026-11-19, 2026-11-20"),
        # a key twice among tonight's rows (they are grouped by key); an old partition's own
        # repeat (r2) was that night's to report, not tonight's
        (["r1", "r1", "r2", "r2"], "request_id = 'r2'", "request_id=r1 x2 in dt=2026-11-20"),
    ],
    ids=["across-partitions", "within-the-new-partition"],
)
def test_a_repeated_key_fails_the_sql_check(db, tmp_path, ids, old_rows, repeated):
    db.add("usage", *(usage_row(i) for i in ids))
    db.con.execute(f"UPDATE staging.usage SET _dt = $d WHERE {old_rows}", {"d": D19})

    # only the new partition is validated with GX; uniqueness reads the whole table
    with pytest.raises(ValidationFailed) as err:
        validate_sources(db.con, [("usage", D20)], tmp_path)

    assert str(err.value) == (
        f"usage: (request_id) unique across staging.usage failed: 1 offending rows, e.g. {repeated}"
    )


def test_data_docs_index_is_written_and_links_the_sql_checks(db, tmp_path):
    db.add("usage", usage_row("r1"))

    validate_sources(db.con, [("usage", D20)], tmp_path / "docs")

    index = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert "staging.usage" in index
    assert "sql_checks_sources.html" in index
    assert "passed" in (tmp_path / "docs" / "sql_checks_sources.html").read_text(encoding="utf-8")


# ---- marts ------------------------------------------------------------------------------------

BALANCE_COLUMNS = (
    "cash_credited",
    "cash_consumed",
    "cash_refunded",
    "unconsumed_cash",
    "trial_credited",
    "trial_consumed",
    "trial_expired",
    "discount_credited",
    "discount_consumed",
    "discount_expired",
    "invoiced",
    "over_invoiced",
    "refundable_now",
    "invoiceable_now",
    "uncovered",
)


def make_mart(db, name: str, columns: dict[str, str], *rows: tuple) -> None:
    """marts.<name> with `columns` (filled from `rows`), then the schema's other columns (null)."""
    others = {c.name: c.type for c in table(f"marts.{name}").columns if c.name not in columns}
    db.con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    db.con.execute(
        f"CREATE TABLE marts.{name} "
        f"({', '.join(f'{c} {t}' for c, t in {**columns, **others}.items())})"
    )
    for row in rows:
        db.con.execute(
            f"INSERT INTO marts.{name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in row)})",
            list(row),
        )


def balances(db, *rows: dict, money_type: str = "DECIMAL(18, 6)") -> None:
    cols = {
        "account_id": "VARCHAR",
        "business_date": "DATE",
        **{c: money_type for c in BALANCE_COLUMNS},
    }
    make_mart(
        db,
        "account_balances",
        cols,
        *[(r["account_id"], D20, *[r.get(c, "0") for c in BALANCE_COLUMNS]) for r in rows],
    )


# a1 paid 10, used 0.123456 of which 0.1 cash and 0.023456 trial (of a 5 trial grant)
A1 = {
    "account_id": "a1",
    "cash_credited": "10",
    "cash_consumed": "0.1",
    "unconsumed_cash": "9.9",
    "trial_credited": "5",
    "trial_consumed": "0.023456",
    "refundable_now": "9.9",
    "invoiceable_now": "0.1",
}


def test_clean_marts_pass(db, tmp_path):
    db.add("usage", usage_row("r1"))
    balances(db, A1)
    make_mart(
        db,
        "load_audit",
        {
            "source": "VARCHAR",
            "dt": "DATE",
            "file": "VARCHAR",
            "rows_read": "BIGINT",
            "rows_loaded": "BIGINT",
            "rows_duplicate": "BIGINT",
            "rows_quarantined": "BIGINT",
            "sha256": "VARCHAR",
            "loaded_at": "TIMESTAMPTZ",
        },
        (
            "usage",
            D20,
            "usage/dt=2026-11-20/a.csv",
            3,
            1,
            1,
            1,
            "ab" * 32,
            dt.datetime.now(dt.UTC),
        ),
    )

    assert validate_marts(db.con, db.ctx, tmp_path) == []


def test_mart_with_a_double_money_column_fails(db, tmp_path):
    make_mart(
        db,
        "topup_positions",
        {
            "topup_id": "VARCHAR",
            "account_id": "VARCHAR",
            "amount": "DECIMAL(18, 2)",
            "cash_consumed": "DECIMAL(18, 6)",
            "discount_used": "DECIMAL(18, 6)",
            "refunded": "DECIMAL(18, 2)",
            "refundable_now": "DOUBLE",
        },
        ("t1", "a1", "10.00", "1", "0", "0", 9.0),
    )

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.topup_positions: money columns are exact "
        r"DECIMAL, not float failed: refundable_now is DOUBLE",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


def test_load_audit_row_that_does_not_add_up_fails(db, tmp_path):
    make_mart(
        db,
        "load_audit",
        {
            "source": "VARCHAR",
            "dt": "DATE",
            "file": "VARCHAR",
            "rows_read": "BIGINT",
            "rows_loaded": "BIGINT",
            "rows_duplicate": "BIGINT",
            "rows_quarantined": "BIGINT",
            "sha256": "VARCHAR",
            "loaded_at": "TIMESTAMPTZ",
        },
        ("usage", D19, "usage/dt=2026-11-19/a.csv", 3, 3, 0, 0, "ab" * 32, None),
        ("usage", D20, "usage/dt=2026-11-20/a.csv", 5, 3, 1, 0, "ab" * 32, None),
    )

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.load_audit dt=2026-11-20: "
        r"expect_multicolumn_sum_to_equal\(rows_loaded, rows_duplicate, "
        r"rows_quarantined, rows_read__negated\) failed on 1 rows",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


def test_unconsumed_cash_that_does_not_reconcile_fails(db, tmp_path):
    db.add("usage", usage_row("r1"))
    balances(db, {**A1, "unconsumed_cash": "9.8", "refundable_now": "9.8"})

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.account_balances business_date=2026-11-20: "
        r"expect_column_values_to_be_between\(cash__left_minus_unconsumed\) "
        r"failed on 1 rows \(e.g. 0.1",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


def test_recomputed_parts_that_miss_usage_fail(db, tmp_path):
    db.add("usage", usage_row("r1"), usage_row("r2"))  # 2 x 0.123456 used; balances show one
    balances(db, A1)

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.account_balances: per account on the run's "
        r"date: .* failed: 1 offending rows, e.g. a1: recomputed parts 0.123456 "
        r"<> usage 0.246912",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


def test_violations_checks(db, tmp_path):
    cols = {
        "violation_id": "VARCHAR",
        "rule_id": "VARCHAR",
        "severity": "VARCHAR",
        "clause": "VARCHAR",
        "account_id": "VARCHAR",
        "subject_type": "VARCHAR",
        "subject_id": "VARCHAR",
        "occurred_at": "TIMESTAMPTZ",
        "amount_at_stake": "DECIMAL(18, 2)",
        "evidence": "VARCHAR",
        "first_detected_on": "DATE",
        "last_seen_on": "DATE",
    }
    ok = (
        "v1",
        "R1",
        "violation",
        "§1",
        "a1",
        "topup",
        "t1",
        None,
        "1.00",
        json.dumps({"topup_id": "t1"}),
        D19,
        D20,
    )
    bad = ("v2", "R1", "severe", "§1", "a1", "topup", "t2", None, "1.00", "{not json", D20, D20)
    make_mart(db, "violations", cols, ok, bad)

    with pytest.raises(ValidationFailed) as err:
        validate_marts(db.con, db.ctx, tmp_path)

    assert str(err.value).startswith(
        "marts.violations: expect_column_values_to_be_in_set(severity) "
        "failed on 1 rows (e.g. severe) (and 1 more fail-level"
    )


def test_earlier_business_dates_are_checked_by_the_sql_sweep(db, tmp_path):
    db.add("usage", usage_row("r1"))
    balances(db, A1)
    bad = {**A1, "trial_consumed": "4", "trial_expired": "2"}  # 5 credited, 6 used or expired
    make_bal_row(db, bad, D19)

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.account_balances business_date=2026-11-19: "
        r"expect_column_values_to_be_between\(trial__left\) failed on 1 rows",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


def make_bal_row(db, row: dict, day: dt.date) -> None:
    values = [row["account_id"], day, *[row.get(c, "0") for c in BALANCE_COLUMNS]]
    db.con.execute(
        f"INSERT INTO marts.account_balances (account_id, business_date, {', '.join(BALANCE_COLUMNS)})"
        f" VALUES ({', '.join('?' for _ in values)})", values
    )


def test_sql_sweep_flags_what_gx_flags(db, tmp_path):
    """The same suite run by GX (the run's date) and as SQL (earlier dates) finds the same."""
    from expectations.marts import suite
    from expectations.runner import Run

    rows = [
        {**A1, "account_id": "cash_off", "unconsumed_cash": "9.8", "refundable_now": "9.8"},
        {**A1, "account_id": "trial_over", "trial_expired": "5"},
        {**A1, "account_id": "refund_over", "refundable_now": "10"},
        {
            **A1,
            "account_id": "neg_cash",
            "cash_refunded": "20",
            "unconsumed_cash": "-10.1",
            "refundable_now": "0",
        },
        {**A1, "account_id": "bad_formula", "invoiceable_now": "0"},
        {**A1, "account_id": "negative", "uncovered": "-1"},
        {**A1, "account_id": None},
    ]
    balances(db, *rows)
    for row in rows:
        make_bal_row(db, row, D19)
    run = Run(db.con, tmp_path, {**db.ctx.params()}, "test")

    run.check_table(suite("account_balances"))

    def found(day):
        return sorted(
            (f.level, f.what.split(" (e.g.")[0])
            for f in run.findings
            if f.where == f"marts.account_balances business_date={day}"
        )

    # neg_cash holds: 10 - 0.1 - 20 = -10.1 and refundable 0 <= max(0, -10.1)
    expected = sorted(
        [
            ("fail", "expect_column_values_to_not_be_null(account_id) failed on 1 rows"),
            (
                "fail",
                "expect_column_values_to_be_between(cash__left_minus_unconsumed) failed on 1 rows",
            ),
            ("fail", "expect_column_values_to_be_between(trial__left) failed on 1 rows"),
            (
                "fail",
                (
                    "expect_column_pair_values_a_to_be_greater_than_b(unconsumed_cash__floor_0, "
                    "refundable_now) failed on 1 rows"
                ),
            ),
            (
                "warn",
                "expect_column_values_to_be_between(refundable_now__vs_formula) failed on 1 rows",
            ),
            (
                "warn",
                "expect_column_values_to_be_between(invoiceable_now__vs_formula) failed on 1 rows",
            ),
            ("warn", "expect_column_values_to_be_between(uncovered) failed on 1 rows"),
        ]
    )
    assert found(D20) == expected
    assert found(D19) == expected


# ---- the suites cover the contract ------------------------------------------------------------


def test_every_source_has_a_suite_module_derived_from_the_contract():
    from expectations import sources
    from transforms.sources import SOURCES

    for name, src in SOURCES.items():
        suite = sources.suite(name)
        assert suite.table == f"staging.{name}"
        assert set(src.required) <= set(suite.columns)


# ---- what GX is handed: what is new, bounded; the SQL sweep covers every other row (issue 10) --


def funding_breaks(db, *rows: tuple) -> None:
    """marts.funding_breaks rows (account_id, business_date, platform_cash, recomputed_cash)."""
    make_mart(
        db,
        "funding_breaks",
        {
            "account_id": "VARCHAR",
            "business_date": "DATE",
            "platform_cash": "DECIMAL(18, 6)",
            "recomputed_cash": "DECIMAL(18, 6)",
        },
        *rows,
    )


def test_bad_value_in_an_old_business_date_of_a_mart_is_caught_though_gx_sees_only_the_night(
    db, tmp_path
):
    from expectations.marts import suite
    from expectations.runner import Run

    # tonight (D20) is clean; a row of an earlier night (D19) has lost its account_id
    funding_breaks(
        db,
        ("a1", D20, "1", "0.5"),
        ("a2", D20, "2", "1"),
        ("a1", D19, "1", "0.5"),
        (None, D19, "3", "2"),
    )
    run = Run(db.con, tmp_path, {**db.ctx.params()}, "test")

    run.check_table(suite("funding_breaks"))

    assert run.gx_rows == {"marts.funding_breaks": 2}  # tonight's two rows, not the history
    assert [f.line().split(" (e.g.")[0] for f in run.findings if f.level == "fail"] == [
        (
            "marts.funding_breaks business_date=2026-11-19: "
            "expect_column_values_to_not_be_null(account_id) failed on 1 rows"
        )
    ]
    with pytest.raises(ValidationFailed, match=r"^marts.funding_breaks business_date=2026-11-19"):
        validate_marts(db.con, db.ctx, tmp_path)


def test_gx_is_handed_only_the_new_partitions_of_a_source(db, tmp_path):
    from expectations.runner import Run
    from expectations.sources import suite

    db.add("usage", usage_row("r1"), usage_row("r2"), usage_row("r3"), usage_row("r4"))
    for rid in ("r1", "r2", "r3"):  # three rows of an earlier night, one new
        move_to(db, "usage", "request_id", rid, D19)
    run = Run(db.con, tmp_path, {}, "test")

    run.check_table(suite("usage"), [D20])

    assert run.gx_rows == {"staging.usage": 1}
    assert run.findings == []


def test_gx_rows_of_a_big_new_partition_are_capped_and_the_rest_is_swept(
    db, tmp_path, monkeypatch
):
    import expectations.runner
    from expectations.runner import Run
    from expectations.sources import suite

    monkeypatch.setattr(expectations.runner, "GX_ROW_CAP", 5)
    bad = {f"r{i:02}" for i in range(0, 20, 4)}  # 5 of the 20 new rows have negative tokens
    db.add("usage", *[usage_row(f"r{i:02}", input_tokens=-1 if f"r{i:02}" in bad else 7)
                      for i in range(20)])
    run = Run(db.con, tmp_path, {}, "test")

    run.check_table(suite("usage"), [D20])

    assert run.gx_rows == {"staging.usage": 5}
    # every bad row is counted once, by GX (its sample) or by the sweep (the other 15 rows)
    counted = sum(
        int(f.what.split(" failed on ")[1].split(" rows")[0])
        for f in run.findings
        if f.what.startswith("expect_column_values_to_be_between(input_tokens)")
    )
    assert counted == 5
    assert {f.where for f in run.findings} == {"usage dt=2026-11-20"}
    # said as one line with the total, not once per side
    with pytest.raises(ValidationFailed) as err:
        run.finish()
    assert str(err.value).startswith(
        "usage dt=2026-11-20: expect_column_values_to_be_between(input_tokens) failed on 5 rows"
    )


def test_a_whole_table_mart_beyond_the_gx_sample_is_still_checked_on_every_row(
    db, tmp_path, monkeypatch
):
    import expectations.runner
    from expectations.marts import suite

    monkeypatch.setattr(expectations.runner, "GX_SAMPLE_ROWS", 2)
    cols = {"topup_id": "VARCHAR", "account_id": "VARCHAR", "amount": "DECIMAL(18, 2)",
            "cash_consumed": "DECIMAL(18, 6)", "discount_used": "DECIMAL(18, 6)",
            "refunded": "DECIMAL(18, 2)", "refundable_now": "DECIMAL(18, 2)"}
    good = [(f"t{i}", "a1", "10.00", "1", "0", "0", "9.00") for i in range(9)]
    make_mart(db, "topup_positions", cols, *good, ("t9", "a1", "10.00", "11", "0", "0", "0.00"))
    run = expectations.runner.Run(db.con, tmp_path, {**db.ctx.params()}, "test")

    run.check_table(suite("topup_positions"))

    assert run.gx_rows == {"marts.topup_positions": 2}
    # t9 drew 11 from a top-up of 10, whichever side of the sample it fell on
    with pytest.raises(
        ValidationFailed,
        match=r"^marts.topup_positions: expect_column_pair_values_a_to_be_greater_than_b"
        r"\(amount, cash_consumed\) failed on 1 rows",
    ):
        run.finish()


def test_data_docs_keep_the_newest_results_of_each_table(db, tmp_path, monkeypatch):
    import expectations.gx_context

    monkeypatch.setattr(expectations.gx_context, "RESULTS_KEPT", 2)
    db.add("usage", usage_row("r1"))
    docs = tmp_path / "docs"
    for _ in range(4):  # four nights
        validate_sources(db.con, [("usage", D20)], docs)

    kept = list((docs / "_results").glob("staging/usage/*/*/*.json"))
    assert len(kept) == 2
    pages = list((docs / "validations").glob("staging/usage/*/*/*.html"))
    assert sorted(p.parent.name for p in pages) == sorted(k.parent.name for k in kept)


def test_violation_history_gx_sees_tonight_and_an_old_nights_bad_row_is_still_caught(db, tmp_path):
    from expectations.marts import suite
    from expectations.runner import Run

    cols = {"night": "DATE", "rule_id": "VARCHAR", "subject_id": "VARCHAR",
            "violation_id": "VARCHAR", "severity": "VARCHAR", "amount_at_stake": "DECIMAL(18, 2)"}
    make_mart(
        db,
        "violation_history",
        cols,
        (D20, "R1", "t1", "v1", "violation", "1.00"),
        (D19, "R1", "t1", "v1", "violation", "1.00"),
        (D19, "R2", "t2", "v2", "severe", "2.00"),  # last night's row with a bad severity
    )
    make_mart(db, "violations", {"rule_id": "VARCHAR", "subject_id": "VARCHAR"}, ("R1", "t1"))
    run = Run(db.con, tmp_path, {**db.ctx.params()}, "test")

    run.check_table(suite("violation_history"))

    assert run.gx_rows == {"marts.violation_history": 1}
    assert [f.line().split(" (e.g.")[0] for f in run.findings if f.level == "fail"] == [
        (
            "marts.violation_history night=2026-11-19: "
            "expect_column_values_to_be_in_set(severity) failed on 1 rows"
        )
    ]


def positions(db, *rows: tuple[dict, dt.date, dt.date]) -> None:
    """marts.account_balances as it is built: the view repeating intermediate.int_balance__positions
    (each row valid from its date to next_date) over the calendar up to the run's date."""
    from transforms.build import run_query

    cols = {c.name: c.type for c in table("intermediate.int_balance__positions").columns}
    db.con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    db.con.execute(
        "CREATE TABLE intermediate.int_balance__positions "
        f"({', '.join(f'{c} {t}' for c, t in cols.items())})"
    )
    for row, start, end in rows:
        values = {**{c: "0" for c in BALANCE_COLUMNS}, **row, "business_date": start, "next_date": end}
        names = [c for c in cols if c in values]
        db.con.execute(
            f"INSERT INTO intermediate.int_balance__positions ({', '.join(names)})"
            f" VALUES ({', '.join('?' for _ in names)})",
            [values[c] for c in names],
        )
    db.con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    run_query(db.con, db.ctx, "intermediate.int_balance__calendar")
    run_query(db.con, db.ctx, "marts.account_balances")


def test_earlier_dates_are_swept_on_the_positions_they_repeat(db, tmp_path):
    """A position valid on 11-17 and 11-18 whose cash does not add up fails those dates in the
    SQL sweep (read from the positions, not the calendar's copies); the run's date, where the
    account's next position holds, passes GX."""
    from expectations.marts import suite
    from expectations.runner import Run

    D17 = dt.date(2026, 11, 17)
    db.add("usage", usage_row("r1"))
    cash_off = {**A1, "unconsumed_cash": "9.8", "refundable_now": "9.8"}
    positions(db, (cash_off, D17, D19), (A1, D19, D20 + dt.timedelta(days=1)))
    run = Run(db.con, tmp_path, {**db.ctx.params()}, "test")

    run.check_table(suite("account_balances"))

    assert [(f.level, f.where, f.what.split(" (e.g.")[0]) for f in run.findings] == [
        ("fail", "marts.account_balances business_date=2026-11-17",
         "expect_column_values_to_be_between(cash__left_minus_unconsumed) failed on 1 rows"),
    ]
    assert db.con.execute(
        "SELECT count(*) FROM marts.account_balances WHERE account_id = 'a1'").fetchone()[0] == 4


def test_positions_covering_one_date_twice_fail_the_key(db, tmp_path):
    D18 = dt.date(2026, 11, 18)
    db.add("usage", usage_row("r1"))
    positions(db, (A1, D18, D20), (A1, D19, D20 + dt.timedelta(days=1)))

    with pytest.raises(
        ValidationFailed,
        match=r"^marts.account_balances: \(account_id, business_date\) unique across "
        r"marts.account_balances: .* e.g. account_id, business_date=a1\|2026-11-19 x2: the position "
        r"from 2026-11-18 runs to 2026-11-20",
    ):
        validate_marts(db.con, db.ctx, tmp_path)


# ---- GX on a thread of its own (expectations/runner.py, Run) ----------------------------------
def test_the_first_failure_named_is_gxs_though_gx_runs_on_its_own_thread_and_ends_last(
    db, tmp_path, monkeypatch
):
    import time

    import expectations.runner

    real = expectations.runner.run_batch

    def slow(*args, **kwargs):
        time.sleep(0.5)  # GX ends after the table's SQL checks have found their problem
        return real(*args, **kwargs)

    monkeypatch.setattr(expectations.runner, "run_batch", slow)
    db.add("usage", usage_row("r1"), usage_row("r1"), usage_row("r2", input_tokens=-5))

    with pytest.raises(ValidationFailed) as err:
        validate_sources(db.con, [("usage", D20)], tmp_path)

    # a table's GX findings come before its SQL checks', as when they ran one after the other
    said = str(err.value)
    assert said.startswith(
        "usage dt=2026-11-20: expect_column_values_to_be_between(input_tokens) failed on 1 rows"
    )
    assert "more fail-level failures" in said


def test_an_error_on_gxs_thread_stops_the_validation(db, tmp_path, monkeypatch):
    import expectations.runner

    def broken(*args, **kwargs):
        raise RuntimeError("GX could not render the suite")

    monkeypatch.setattr(expectations.runner, "run_batch", broken)
    db.add("usage", usage_row("r1"))

    with pytest.raises(RuntimeError, match="GX could not render the suite"):
        validate_sources(db.con, [("usage", D20)], tmp_path)
