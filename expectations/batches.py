"""GX batches: a table's partitions grouped up to `ROW_BUDGET` rows, each pulled from DuckDB
into pandas through Arrow and validated, and GX's results turned into findings.

Why pandas batches: GX 1.x's SQL datasource does not work on DuckDB (GX issues #10738, #11579).
Each batch holds only the columns the suite reads (plus derived columns DuckDB computes
exactly), and the partition column, so a failure still names its partition. Money arrives as
`decimal.Decimal` through Arrow (DuckDB's `.df()` would turn DECIMAL into float64).

Speed: a GX validation costs ~0.3-1 s whatever its size, so consecutive partitions of one
table are validated together up to `ROW_BUDGET` rows; the nightly run has one partition per
source, a first load is a few batches per source.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from core.sql import ident
from expectations.base import TableSuite, label
from expectations.findings import (
    MAX_PARTITION_LINES,
    Finding,
    describe,
    drop,
    level_of,
    short,
    span,
    where,
)

ROW_BUDGET = 250_000  # rows per GX batch; several partitions share a batch up to this


def batches(con: duckdb.DuckDBPyConnection, suite: TableSuite, scope: str,
            params: dict) -> list[list | None]:
    """The partition values of the rows in `scope` (a predicate binding `params`), grouped into
    batches of at most ROW_BUDGET rows ([None]: one batch of the unpartitioned table)."""
    p = suite.partition_by
    if p is None:
        return [None]
    counts = con.execute(
        f"SELECT {ident(p)}, count(*) FROM {suite.table} WHERE {scope} GROUP BY 1 ORDER BY 1",
        params,
    ).fetchall()
    grouped: list[list] = []
    rows = ROW_BUDGET + 1
    for value, n in counts:
        if rows + n > ROW_BUDGET and (not grouped or grouped[-1]):
            grouped.append([])
            rows = 0
        grouped[-1].append(value)
        rows += n
    return grouped  # no partitions: no rows to give GX (the SQL checks still run)


def pull_batch(con: duckdb.DuckDBPyConnection, suite: TableSuite, select: str,
               values: list | None, scope: str = "true", params: dict | None = None):
    """One batch as a pandas frame: the rows in `scope` of the partitions `values`, or of the
    whole table. DuckDB's part of a batch; GX's part (run_batch) needs no connection."""
    import pandas as pd
    import pyarrow as pa

    p = suite.partition_by
    params = dict(params or {})
    if values is None:
        sql = f"SELECT {select} FROM {suite.table} WHERE {scope}"
    else:
        sql = f"SELECT {select} FROM {suite.table} WHERE list_contains($v, {ident(p)}) AND {scope}"
        params["v"] = values
    # Arrow keeps DECIMAL as decimal.Decimal and BIGINT with nulls as Int64 (not float)
    return (
        con.sql(sql, params=params)
        .to_arrow_table()
        .to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    )


def run_batch(suite: TableSuite, vd, frame, values: list | None) -> tuple[list[Finding], int]:
    """Validate one pulled batch with GX: its findings and the number of rows GX was handed."""
    from great_expectations.core.run_identifier import RunIdentifier

    p = suite.partition_by
    many = values is not None and len(values) > 1
    result_format = (
        {"result_format": "COMPLETE", "unexpected_index_column_names": [p]}
        if many
        else {"result_format": "SUMMARY"}
    )
    run_name = suite.table if values is None else f"{suite.table}__{label(p)}={span(values)}"
    results = vd.run(
        batch_parameters={"dataframe": frame},
        result_format=result_format,
        run_id=RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC)),
    )
    found: list[Finding] = []
    for r in results.results:
        if not r.success:
            found += findings_of(suite, r, values, p)
    return found, len(frame)


def findings_of(suite: TableSuite, r, values: list | None, p: str | None) -> list[Finding]:
    """One failed GX result as findings: one line, or one per partition of a multi-partition
    batch (up to MAX_PARTITION_LINES, then one line for them all)."""
    cfg = r.expectation_config
    level = level_of(cfg)
    what = describe(cfg)
    exc = r.exception_info or {}
    if exc.get("raised_exception"):
        msg = (exc.get("exception_message") or "error").splitlines()[0]
        return [Finding(level, where(suite, values, p), f"{what} raised: {msg}")]
    res = r.result or {}
    sample = res.get("partial_unexpected_list") or res.get("unexpected_list") or []
    eg = f" (e.g. {short(sample[0])})" if sample else ""
    index = res.get("unexpected_index_list")
    if values and len(values) > 1 and index and isinstance(index[0], dict) and p in index[0]:
        # a batch of several partitions: count per partition, example from that partition
        per: dict[object, list[dict]] = {}
        for row in index:
            per.setdefault(row[p], []).append(row)
        found = sorted(per.items(), key=lambda kv: str(kv[0]))
        if len(found) > MAX_PARTITION_LINES:  # one line for a problem across many partitions
            total = sum(len(rows) for _, rows in found)
            head = f"{where(suite, [found[0][0], found[-1][0]], p)} ({len(found)} partitions)"
            eg = f" (e.g. {short(drop(found[0][1][0], p))})"
            return [Finding(level, head, f"{what} failed on {total} rows{eg}")]
        return [
            Finding(level, where(suite, [value], p),
                    f"{what} failed on {len(rows)} rows (e.g. {short(drop(rows[0], p))})")
            for value, rows in found
        ]
    n = res.get("unexpected_count")
    count = f"on {n} rows" if n is not None else f"(observed {res.get('observed_value')!r})"
    return [Finding(level, where(suite, values, p), f"{what} failed {count}{eg}")]
