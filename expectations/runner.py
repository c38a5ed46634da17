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
from dataclasses import dataclass, field

import duckdb

from core.errors import ValidationFailed
from core.sql import ident
from expectations import gx_context, sql_checks
from expectations.base import FAIL, WARN, TableSuite, columns_read
from expectations.batches import batches, partition_counts, validate_batch
from expectations.data_docs import write_sql_page
from expectations.findings import Finding, Results, SqlOutcome
from expectations.sql_checks import table_exists
from expectations.sweep import sweep

__all__ = ["Run", "table_exists"]

log = logging.getLogger(__name__)

GX_ROW_CAP = 1_000_000  # rows of one table GX sees per call; older partitions are swept in SQL


@dataclass
class Run:
    """One call: one GX context, every table's results, one Data Docs build."""

    con: duckdb.DuckDBPyConnection
    docs_dir: pathlib.Path
    params: dict[str, object]
    slug: str  # "sources" / "marts": names the SQL checks page
    results: Results = field(default_factory=Results)
    timings: dict[str, float] = field(default_factory=dict)
    _site: gx_context.GxSite | None = None
    _suites: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.results.findings

    @property
    def sql(self) -> list[SqlOutcome]:
        return self.results.sql

    def _fail_sql(self, suite: TableSuite, check: str, detail: str, level: str = FAIL) -> None:
        self.results.fail_sql(suite, check, detail, level)

    def _definition(self, suite: TableSuite, expectations: list):
        if self._site is None:
            self._site = gx_context.open_site(self.docs_dir)
        self._suites.append(suite.table)
        return gx_context.validation_definition(self._site, suite, expectations)

    # ---- one table ------------------------------------------------------------------------
    def check_table(self, suite: TableSuite, partitions: list | None = None) -> None:
        """Validate `suite.table`; `partitions` limits the GX part to those partition values
        (None: the whole table). SQL checks always read the whole table."""
        started = time.perf_counter()
        if not sql_checks.structure(self.con, suite, self.results):
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
        vd = self._definition(suite, expectations)
        if suite.gx_run_date_only:
            partitions = [self.params["business_date"]]
            sweep(self.con, suite, expectations, self.results, exclude=partitions[0])
        elif partitions and suite.partition_by:
            partitions = self._cap(suite, expectations, partitions)
        for values in batches(self.con, suite, partitions):
            self.results.findings += validate_batch(self.con, suite, vd, select, values)
        for check in suite.sql_checks:
            sql_checks.run_check(self.con, suite, check, self.params, self.results)
        self.timings[suite.table] = time.perf_counter() - started

    def _cap(self, suite: TableSuite, expectations: list, partitions: list) -> list:
        """The partitions GX validates: the newest ones up to GX_ROW_CAP rows (at least one).
        The older ones get the same expectations as SQL (the sweep), so a first load of months
        of usage is checked row by row in seconds instead of GX's ~15k rows/s; a nightly load
        (one partition per source) is all GX."""
        got = partition_counts(self.con, suite, partitions)
        keep, rows = [], 0
        for value in sorted(partitions, reverse=True):
            if keep and rows + got.get(value, 0) > GX_ROW_CAP:
                break
            keep.append(value)
            rows += got.get(value, 0)
        rest = sorted(set(partitions) - set(keep))
        if rest:
            sweep(self.con, suite, expectations, self.results, only=rest)
        return sorted(keep)

    # ---- the end of a call ----------------------------------------------------------------
    def finish(self) -> list[str]:
        """Write Data Docs; raise ValidationFailed on the first fail-level finding (naming how
        many more), else return the warn-level ones, one line each."""
        started = time.perf_counter()
        if self._site is not None:
            gx_context.build_data_docs(self._site, self._suites)
        write_sql_page(self.docs_dir, self.slug, self.sql)
        self.timings["data docs"] = time.perf_counter() - started
        log.info(
            "expectations (%s): %s",
            self.slug,
            ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()),
        )
        fails = [f.line() for f in self.findings if f.level == FAIL]
        warns = [f.line() for f in self.findings if f.level == WARN]
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
