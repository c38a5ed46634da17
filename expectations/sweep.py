"""The same expectations as SQL, for the rows of a table GX is not handed.

`offending(cfg, derived)` turns a GX expectation configuration into a DuckDB predicate that is
true on the rows GX would count as unexpected (nulls are skipped as GX skips them). `sweep` uses
it on the rows outside the run's GX scope (a daily mart's earlier business dates, a whole-table
mart beyond its GX sample, what is new beyond GX's row cap), so the suite is written once and
holds on every row. An expectation type without a translation raises.
"""

from __future__ import annotations

import duckdb

from core.sql import ident, literal
from expectations.base import TableSuite, columns_read, label
from expectations.findings import (
    MAX_PARTITION_LINES,
    Finding,
    Results,
    describe,
    level_of,
    short,
    where,
)
from expectations.sql_checks import table_exists


def _cond(cond) -> str:
    if not isinstance(cond, dict):
        cond = cond.dict()
    if "conditions" in cond:
        joiner = " OR " if cond.get("type") == "or" else " AND "
        return "(" + joiner.join(_cond(c) for c in cond["conditions"]) + ")"
    col = cond["column"]["name"] if isinstance(cond["column"], dict) else cond["column"]
    if "is_null" in cond:
        return f"{ident(col)} IS {'' if cond['is_null'] else 'NOT '}NULL"
    op, param = str(cond["operator"]), cond["parameter"]
    if op in ("IN", "NOT IN"):
        return f"{ident(col)} {op} ({', '.join(literal(v) for v in param)})"
    return f"{ident(col)} {'=' if op == '==' else op} {literal(param)}"


def offending(cfg, derived: dict[str, str]) -> str:
    """A predicate selecting the rows that fail expectation `cfg`."""
    kw = cfg.kwargs

    def c(name: str) -> str:
        return f"({derived[name]})" if name in derived else ident(name)

    t = cfg.type
    if t == "expect_column_values_to_not_be_null":
        pred = f"{c(kw['column'])} IS NULL"
    elif t == "expect_column_values_to_be_in_set":
        pred = f"{c(kw['column'])} NOT IN ({', '.join(literal(v) for v in kw['value_set'])})"
    elif t == "expect_column_values_to_not_be_in_set":
        pred = f"{c(kw['column'])} IN ({', '.join(literal(v) for v in kw['value_set'])})"
    elif t == "expect_column_values_to_be_between":
        x, parts = c(kw["column"]), []
        if kw.get("min_value") is not None:
            parts.append(f"{x} {'<=' if kw.get('strict_min') else '<'} {literal(kw['min_value'])}")
        if kw.get("max_value") is not None:
            parts.append(f"{x} {'>=' if kw.get('strict_max') else '>'} {literal(kw['max_value'])}")
        pred = " OR ".join(parts) or "false"
    elif t == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = c(kw["column_A"]), c(kw["column_B"])
        pred = f"{a} {'<' if kw.get('or_equal') else '<='} {b}"
    elif t == "expect_multicolumn_sum_to_equal":
        pred = f"({' + '.join(c(x) for x in kw['column_list'])}) <> {literal(kw['sum_total'])}"
    elif t == "expect_column_values_to_be_json_parseable":
        pred = f"NOT json_valid({c(kw['column'])})"
    elif t == "expect_column_value_lengths_to_be_between":
        pred = f"length({c(kw['column'])}) < {literal(kw['min_value'])}"
    elif t == "expect_column_values_to_match_regex":
        pred = f"NOT regexp_matches({c(kw['column'])}, {literal(kw['regex'])})"
    else:
        raise NotImplementedError(f"no SQL sweep for {t}; add it to expectations/sweep.py")
    if kw.get("row_condition"):
        pred = f"({_cond(kw['row_condition'])}) AND ({pred})"
    # a null comparison is not an offence, as in GX
    return f"coalesce({pred}, false)" if t != "expect_column_values_to_not_be_null" else pred


def sweep(con: duckdb.DuckDBPyConnection, suite: TableSuite, expectations: list, results: Results,
          scope: str, params: dict) -> None:
    """Every expectation as SQL over the rows in `scope` (a predicate binding `params`): the
    rows of the table GX is not handed this run (read from `suite.sweep_from` when it exists)."""
    source = suite.table
    if suite.sweep_from and table_exists(con, suite.sweep_from):
        source = suite.sweep_from
    p = suite.partition_by
    part = ident(p) if p else "NULL"
    # one scan for every expectation (a scan each was 20-odd reads of the same rows): per
    # partition, each expectation's offending rows counted and one of them shown
    checks = []
    for e in expectations:
        cols = ", ".join(
            f"{ident(c)} := ({suite.derived.get(c, ident(c))})" for c in columns_read([e])
        )
        checks.append((e, offending(e.configuration, suite.derived), cols))
    if not checks:
        return
    counted = ", ".join(
        f"count(*) FILTER (WHERE {pred}), any_value(struct_pack({cols})::VARCHAR) FILTER (WHERE {pred})"
        for _, pred, cols in checks
    )
    scanned = con.execute(
        f"SELECT {part}, {counted} FROM {source}"
        f" WHERE ({scope}) AND ({' OR '.join(f'({pred})' for _, pred, _ in checks)})"
        " GROUP BY 1 ORDER BY 1",
        params,
    ).fetchall()
    for i, (e, _, _) in enumerate(checks):
        rows = [(r[0], r[1 + 2 * i], r[2 + 2 * i]) for r in scanned if r[1 + 2 * i]]
        _report(suite, e, rows, results)


def _report(suite: TableSuite, e, rows: list[tuple], results: Results) -> None:
    """Record one expectation's sweep: (partition, offending rows, an example) per partition."""
    p = suite.partition_by
    cfg = e.configuration
    level = level_of(e)
    what = describe(cfg)
    name = f"{what} on the rows GX is not handed (SQL sweep)"
    if not rows:
        results.sql_outcome(suite.table, name, level, "passed")
        return
    results.sql_outcome(
        suite.table, name, level, "failed",
        f"{len(rows)} {label(p)}s" if p else f"{rows[0][1]} rows",
    )
    if len(rows) > MAX_PARTITION_LINES:
        total = sum(r[1] for r in rows)
        head = f"{where(suite, [rows[0][0], rows[-1][0]], p)} ({len(rows)} partitions)"
        results.findings.append(
            Finding(level, head, f"{what} failed on {total} rows (e.g. {short(rows[0][2])})")
        )
    else:
        for value, n, eg in rows:
            results.findings.append(
                Finding(
                    level,
                    where(suite, [value] if p else None, p),
                    f"{what} failed on {n} rows (e.g. {short(eg)})",
                )
            )
