"""Runs table suites: for each table, its structure (sql_checks.structure), Great Expectations
on pandas batches pulled from DuckDB (batches.py, on the GX context of gx_context.py), the SQL
sweep of the partitions GX does not see (sweep.py), the table's SQL checks; then Data Docs (GX's
site and the SQL checks' page, data_docs.py) and the one-line verdict. Called through
`expectations.validate_sources` and `expectations.validate_marts`.
"""

from __future__ import annotations

import logging
import pathlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb

from core.errors import ValidationFailed
from core.sql import ident
from expectations import gx_context, sql_checks
from expectations.base import FAIL, WARN, TableSuite, columns_read
from expectations.batches import batches, pull_batch, run_batch
from expectations.data_docs import write_sql_page
from expectations.findings import Finding, Results, SqlOutcome, merged
from expectations.sql_checks import table_exists
from expectations.sweep import sweep

__all__ = ["Run", "table_exists"]

log = logging.getLogger(__name__)

# GX validates ~10k rows/s: it is handed a bounded share of what is new, the SQL sweep the rest
# (5,000: half a second a table; 20,000 made GX 2 s of account_balances and of usage on a
# 10 M-call night, for no check the sweep does not make on every row)
GX_ROW_CAP = 5_000  # rows of one table's new partitions (or business date) GX is handed
GX_SAMPLE_ROWS = 5_000  # rows of a whole-table mart GX is handed (nothing marks a row as new)


@dataclass
class Run:
    """One call: one GX context, every table's results, one Data Docs build.

    GX's part of a table (its validation definition and its run over the pulled batches) is
    Python that holds the GIL; DuckDB's part (the sweep, pulling the batches, the SQL checks)
    runs outside it. So GX works on one thread of its own while the calling thread goes on with
    the SQL of this table and the next: only that thread touches the GX context until `finish`,
    and each table's results are put together in the order a one-after-the-other run gives them
    (the sweep's, GX's, the SQL checks'), so the findings, the first failure named and the Data
    Docs are the same.
    """

    con: duckdb.DuckDBPyConnection
    docs_dir: pathlib.Path
    params: dict[str, object]
    slug: str  # "sources" / "marts": names the SQL checks page
    timings: dict[str, float] = field(default_factory=dict)  # seconds a table took, SQL and GX
    index: bool = True  # rebuild the Data Docs index (else only when a check fails)
    _results: Results = field(default_factory=Results)
    _rows: dict[str, int] = field(default_factory=dict)
    _pending: list = field(default_factory=list)  # Results, or Futures of _validate's tuple
    _gx: ThreadPoolExecutor | None = None
    _site: gx_context.GxSite | None = None
    _suites: list[str] = field(default_factory=list)

    @property
    def results(self) -> Results:
        """Everything found so far, in table order (waits for GX's thread)."""
        for part in self._pending:
            if isinstance(part, Future):
                part, table, rows, seconds = part.result()
                if rows is not None:
                    self._rows[table] = self._rows.get(table, 0) + rows
                self.timings[table] = self.timings.get(table, 0.0) + seconds
            self._results.findings += part.findings
            self._results.sql += part.sql
        self._pending.clear()
        return self._results

    @property
    def findings(self) -> list[Finding]:
        return self.results.findings

    @property
    def sql(self) -> list[SqlOutcome]:
        return self.results.sql

    @property
    def gx_rows(self) -> dict[str, int]:
        """Rows handed to GX, per table."""
        self.results  # noqa: B018 - waits for GX's thread
        return self._rows

    def _part(self) -> Results:
        self._pending.append(part := Results())
        return part

    def _fail_sql(self, suite: TableSuite, check: str, detail: str, level: str = FAIL) -> None:
        self._part().fail_sql(suite, check, detail, level)

    def _definition(self, suite: TableSuite, expectations: list):
        if self._site is None:
            self._site = gx_context.open_site(self.docs_dir)
        self._suites.append(suite.table)
        return gx_context.validation_definition(self._site, suite, expectations)

    def _validate(self, suite: TableSuite, expectations: list, pulled: list) -> tuple:
        """GX's part of a table, on GX's thread: its definition, then each pulled batch;
        (its findings, the table, the rows GX was handed or None, the seconds it took)."""
        started = time.perf_counter()
        vd = self._definition(suite, expectations)
        found, rows = Results(), None
        for values, frame in pulled:
            got, n = run_batch(suite, vd, frame, values)
            found.findings += got
            rows = (rows or 0) + n
        return found, suite.table, rows, time.perf_counter() - started

    # ---- one table ------------------------------------------------------------------------
    def check_table(self, suite: TableSuite, partitions: list | None = None) -> None:
        """Validate `suite.table`: GX on what is new (`partitions`, a daily mart's business date,
        or for a whole-table mart a bounded sample), the same expectations as SQL on every other
        row in scope; then the SQL checks, which always read the whole table. GX's part is
        handed to GX's thread; `results` (and `finish`) wait for it."""
        started = time.perf_counter()
        if not sql_checks.structure(self.con, suite, self._part()):
            return
        expectations = suite.build()
        for e in expectations:  # show what a derived column is, in Data Docs
            used = [c for c in columns_read([e]) if c in suite.derived]
            if used and not e.notes:
                e.notes = "; ".join(f"{c} := {suite.derived[c]} (computed by DuckDB)" for c in used)
        needed = columns_read(expectations)
        if suite.partition_by and suite.partition_by not in needed:
            needed.append(suite.partition_by)
        select = ", ".join(
            f"({suite.derived[c]}) AS {ident(c)}" if c in suite.derived else ident(c)
            for c in needed
        )
        gx, rest, params = self._scope(suite, partitions)
        if rest is not None:
            sweep(self.con, suite, expectations, self._part(), rest, params)
        pulled = [(values, pull_batch(self.con, suite, select, values, gx, params))
                  for values in batches(self.con, suite, gx, params)]
        if self._gx is None:
            self._gx = ThreadPoolExecutor(1, thread_name_prefix="gx")
        self._pending.append(self._gx.submit(self._validate, suite, expectations, pulled))
        checked = self._part()
        for check in suite.sql_checks:
            sql_checks.run_check(self.con, suite, check,
                                 {**self.params, "new_partitions": partitions}, checked)
        # GX's seconds are added when its results are collected (the two overlap)
        self.timings[suite.table] = time.perf_counter() - started

    def _scope(self, suite: TableSuite, partitions: list | None) -> tuple[str, str | None, dict]:
        """(GX's rows, the rows swept in SQL or None, their parameters), as predicates.

        What is new: the given partitions (a source's new files), a daily mart's business date,
        else the whole table. Of that, GX is handed at most GX_ROW_CAP rows (GX_SAMPLE_ROWS of
        a whole-table mart, where nothing marks a row as new): beyond the cap, the rows of
        smallest hash of their values (only identical rows tie), or of a source row's lake file
        and row. The rows outside that sample are swept in SQL, as are a daily mart's earlier
        dates. Rows outside the given partitions are not this run's (a source's older files
        were validated when loaded)."""
        p = ident(suite.partition_by) if suite.partition_by else None
        params: dict = {}
        rest = None
        cap = GX_ROW_CAP
        if suite.gx_run_date_only:
            new = f"{p} = $gx_date"
            rest = f"{p} IS DISTINCT FROM $gx_date"
            params["gx_date"] = self.params["business_date"]
        elif partitions is not None and p:
            new = f"list_contains($gx_parts, {p})"
            params["gx_parts"] = list(partitions)
        else:
            new, cap = "true", GX_SAMPLE_ROWS
        n = self.con.execute(f"SELECT count(*) FROM {suite.table} WHERE {new}", params).fetchall()[0][0]
        if n <= cap:
            return new, rest, params
        columns = [r[0] for r in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = $s AND table_name = $t ORDER BY column_index",
            {"s": suite.schema, "t": suite.name}).fetchall()]
        # the `cap` rows of smallest hash of their own values: the same rows for the same data;
        # a source's row is named by its lake file and row, cheaper to hash than all its values
        # (the predicate is evaluated on every new row three times: 1.1 s -> 0.5 s at 10 M)
        named = [c for c in ("_file", "_row") if c in columns]
        h = f"hash({', '.join(ident(c) for c in (named if len(named) == 2 else columns))})"
        params["gx_h"] = self.con.execute(
            f"SELECT max(h) FROM (SELECT {h} AS h FROM {suite.table} WHERE {new}"
            f" ORDER BY h LIMIT {int(cap)})", params).fetchall()[0][0]
        sample = f"{h} <= $gx_h"
        outside = f"({new}) AND NOT coalesce({sample}, false)"
        rest = outside if rest is None else f"({rest}) OR ({outside})"
        return f"({new}) AND coalesce({sample}, false)", rest, params

    # ---- the end of a call ----------------------------------------------------------------
    def finish(self) -> list[str]:
        """Write Data Docs (the index only if `index` or a check failed); raise ValidationFailed
        on the first fail-level finding (naming how many more), else return the warn-level
        ones, one line each."""
        try:
            found = merged(self.findings)  # waits for GX's thread
        finally:
            if self._gx is not None:
                self._gx.shutdown(wait=True, cancel_futures=True)
                self._gx = None
        fails = [f.line() for f in found if f.level == FAIL]
        warns = [f.line() for f in found if f.level == WARN]
        started = time.perf_counter()
        if self._site is not None:
            gx_context.prune_results(self.docs_dir)
            gx_context.build_data_docs(self._site, self._suites, index=self.index or bool(fails))
        write_sql_page(self.docs_dir, self.slug, self.sql)
        self.timings["data docs"] = time.perf_counter() - started
        log.info(
            "expectations (%s): %s",
            self.slug,
            ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()),
        )
        for w in warns:
            log.warning("expectation (warn): %s", w)
        if fails:
            more = (
                f" (and {len(fails) - 1} more fail-level failures; Data Docs: "
                f"{self.docs_dir / 'index.html'})"
                if len(fails) > 1
                else ""
            )
            raise ValidationFailed(fails[0] + more)
        return warns
