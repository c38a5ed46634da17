"""Runs table suites: Great Expectations on pandas batches pulled from DuckDB, then the SQL
checks on DuckDB, then Data Docs. Called through `expectations.validate_sources` and
`expectations.validate_marts`.

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
import html
import logging
import os
import pathlib
import time
from dataclasses import dataclass, field

import duckdb

from core.errors import ValidationFailed
from core.sql import ident
from expectations.base import (
    FAIL,
    WARN,
    SqlCheck,
    TableSuite,
    columns_read,
    condition_text,
    label,
)

log = logging.getLogger(__name__)

MAX_PARTITION_LINES = 3  # a problem in more partitions of one batch is reported as one line
ROW_BUDGET = 250_000  # rows per GX batch; several partitions share a batch up to this
GX_ROW_CAP = 1_000_000  # rows of one table GX sees per call; older partitions are swept in SQL
# GX's stores kept beside the site, so the index lists every run's results and every suite
RESULTS_DIR = "_results"
SUITES_DIR = "_suites"
DECIMAL_TYPES = ("DECIMAL", "HUGEINT", "BIGINT", "INTEGER")  # exact types a money column may have


@dataclass
class Finding:
    level: str
    where: str
    what: str

    def line(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class SqlOutcome:
    table: str
    check: str
    level: str
    status: str  # passed / failed / skipped
    detail: str = ""


@dataclass
class Run:
    """One call: one GX context, every table's results, one Data Docs build."""

    con: duckdb.DuckDBPyConnection
    docs_dir: pathlib.Path
    params: dict[str, object]
    slug: str  # "sources" / "marts": names the SQL checks page
    findings: list[Finding] = field(default_factory=list)
    sql: list[SqlOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    _ctx: object = None
    _suites: list[str] = field(default_factory=list)

    # ---- GX -------------------------------------------------------------------------------
    def gx(self):
        if self._ctx is None:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            self.docs_dir.mkdir(parents=True, exist_ok=True)
            defaults = InMemoryStoreBackendDefaults()
            stores = dict(defaults.stores)
            stores[defaults.validation_results_store_name] = {
                "class_name": "ValidationResultsStore",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(self.docs_dir / RESULTS_DIR),
                },
            }
            stores[defaults.expectations_store_name] = {
                "class_name": "ExpectationsStore",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(self.docs_dir / SUITES_DIR),
                },
            }
            config = DataContextConfig(
                store_backend_defaults=defaults,
                stores=stores,
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False),
                data_docs_sites={
                    "ledger_audit": {
                        "class_name": "SiteBuilder",
                        "store_backend": {
                            "class_name": "TupleFilesystemStoreBackend",
                            "base_directory": str(self.docs_dir),
                        },
                        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    }
                },
            )
            self._ctx = gx.get_context(mode="ephemeral", project_config=config)
            self._source = self._ctx.data_sources.add_pandas("ledger_audit")
            self._known_results = set(self._ctx.validation_results_store.list_keys())
        return self._ctx

    def _definition(self, suite: TableSuite, expectations: list):
        import great_expectations as gx

        ctx = self.gx()
        self._suites.append(suite.table)
        gx_suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(name=suite.table, expectations=expectations)
        )
        batch_def = self._source.add_dataframe_asset(
            suite.table
        ).add_batch_definition_whole_dataframe("partitions")
        return ctx.validation_definitions.add(
            gx.ValidationDefinition(name=suite.table, data=batch_def, suite=gx_suite)
        )

    # ---- one table ------------------------------------------------------------------------
    def check_table(self, suite: TableSuite, partitions: list | None = None) -> None:
        """Validate `suite.table`; `partitions` limits the GX part to those partition values
        (None: the whole table). SQL checks always read the whole table."""
        started = time.perf_counter()
        if not self._structure_ok(suite):
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
            self._sweep(suite, expectations, exclude=partitions[0])
        elif partitions and suite.partition_by:
            partitions = self._cap(suite, expectations, partitions)
        for values in self._batches(suite, partitions):
            self._validate_batch(suite, vd, select, values)
        for check in suite.sql_checks:
            self._sql_check(suite, check)
        self.timings[suite.table] = time.perf_counter() - started

    def _cap(self, suite: TableSuite, expectations: list, partitions: list) -> list:
        """The partitions GX validates: the newest ones up to GX_ROW_CAP rows (at least one).
        The older ones get the same expectations as SQL (the sweep), so a first load of months
        of usage is checked row by row in seconds instead of GX's ~15k rows/s; a nightly load
        (one partition per source) is all GX."""
        got = dict(self.con.execute(
            f"SELECT {ident(suite.partition_by)}, count(*) FROM {suite.table} "
            f"WHERE list_contains($v, {ident(suite.partition_by)}) GROUP BY 1",
            {"v": list(partitions)}).fetchall())
        keep, rows = [], 0
        for value in sorted(partitions, reverse=True):
            if keep and rows + got.get(value, 0) > GX_ROW_CAP:
                break
            keep.append(value)
            rows += got.get(value, 0)
        rest = sorted(set(partitions) - set(keep))
        if rest:
            self._sweep(suite, expectations, only=rest)
        return sorted(keep)

    def _sweep(self, suite: TableSuite, expectations: list, exclude: object = None,
               only: list | None = None) -> None:
        """Every expectation as SQL over the partitions GX does not see: all but `exclude`,
        or just those in `only`."""
        from expectations.sweep import offending

        p = ident(suite.partition_by)
        scope = f"list_contains($x, {p})" if only is not None else f"{p} IS DISTINCT FROM $x"
        exclude = only if only is not None else exclude
        for e in expectations:
            cfg = e.configuration
            level = FAIL if str(getattr(e.severity, "value", e.severity)) == "critical" else WARN
            what = describe(cfg)
            cols = ", ".join(
                f"{ident(c)} := ({suite.derived.get(c, ident(c))})" for c in columns_read([e])
            )
            rows = self.con.execute(
                f"SELECT {p}, count(*), any_value(struct_pack({cols})::VARCHAR) FROM {suite.table}"
                f" WHERE {scope} AND {offending(cfg, suite.derived)}"
                " GROUP BY 1 ORDER BY 1",
                {"x": exclude},
            ).fetchall()
            name = f"{what} on the other {label(suite.partition_by)}s (SQL sweep)"
            if not rows:
                self.sql.append(SqlOutcome(suite.table, name, level, "passed"))
                continue
            self.sql.append(
                SqlOutcome(suite.table, name, level, "failed", f"{len(rows)} partitions")
            )
            if len(rows) > MAX_PARTITION_LINES:
                total = sum(r[1] for r in rows)
                head = f"{where(suite, [rows[0][0], rows[-1][0]], suite.partition_by)} ({len(rows)} partitions)"
                self.findings.append(
                    Finding(
                        level, head, f"{what} failed on {total} rows (e.g. {_short(rows[0][2])})"
                    )
                )
            else:
                for value, n, eg in rows:
                    self.findings.append(
                        Finding(
                            level,
                            where(suite, [value], suite.partition_by),
                            f"{what} failed on {n} rows (e.g. {_short(eg)})",
                        )
                    )

    def _structure_ok(self, suite: TableSuite) -> bool:
        """Contract columns present (fail) and money columns exact (fail: no float money)."""
        schema, name = suite.schema, suite.name
        types = dict(
            self.con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = $s AND table_name = $t",
                {"s": schema, "t": name},
            ).fetchall()
        )
        missing = [c for c in suite.columns if c not in types]
        if missing:
            self._fail_sql(suite, "contract columns present", f"missing {', '.join(missing)}")
            return False
        self.sql.append(SqlOutcome(suite.table, "contract columns present", FAIL, "passed"))
        floats = [
            f"{c} is {types[c]}"
            for c in suite.money_columns
            if not types[c].startswith(DECIMAL_TYPES)
        ]
        if floats:
            self._fail_sql(suite, "money columns are exact DECIMAL, not float", "; ".join(floats))
        else:
            self.sql.append(
                SqlOutcome(suite.table, "money columns are exact DECIMAL", FAIL, "passed")
            )
        return True

    def _fail_sql(self, suite: TableSuite, check: str, detail: str, level: str = FAIL) -> None:
        self.findings.append(Finding(level, where(suite), f"{check} failed: {detail}"))
        self.sql.append(SqlOutcome(suite.table, check, level, "failed", detail))

    def _batches(self, suite: TableSuite, partitions: list | None) -> list[list | None]:
        """Partition values grouped into batches of at most ROW_BUDGET rows ([None]: one batch
        of the whole unpartitioned table)."""
        p = suite.partition_by
        if p is None:
            return [None]
        if partitions is None:
            counts = self.con.execute(
                f"SELECT {ident(p)}, count(*) FROM {suite.table} GROUP BY 1 ORDER BY 1"
            ).fetchall()
        else:
            got = dict(
                self.con.execute(
                    f"SELECT {ident(p)}, count(*) FROM {suite.table} "
                    f"WHERE list_contains($v, {ident(p)}) GROUP BY 1",
                    {"v": list(partitions)},
                ).fetchall()
            )
            counts = [(v, got.get(v, 0)) for v in sorted(set(partitions))]
        batches: list[list] = []
        rows = ROW_BUDGET + 1
        for value, n in counts:
            if rows + n > ROW_BUDGET and (not batches or batches[-1]):
                batches.append([])
                rows = 0
            batches[-1].append(value)
            rows += n
        return batches  # no partitions: no rows to give GX (the SQL checks still run)

    def _validate_batch(self, suite: TableSuite, vd, select: str, values: list | None) -> None:
        import pandas as pd
        import pyarrow as pa
        from great_expectations.core.run_identifier import RunIdentifier

        p = suite.partition_by
        if values is None:
            sql, params = f"SELECT {select} FROM {suite.table}", {}
        else:
            sql = f"SELECT {select} FROM {suite.table} WHERE list_contains($v, {ident(p)})"
            params = {"v": values}
        # Arrow keeps DECIMAL as decimal.Decimal and BIGINT with nulls as Int64 (not float)
        frame = (
            self.con.sql(sql, params=params)
            .to_arrow_table()
            .to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        )
        many = values is not None and len(values) > 1
        result_format = (
            {"result_format": "COMPLETE", "unexpected_index_column_names": [p]}
            if many
            else {"result_format": "SUMMARY"}
        )
        run_name = suite.table if values is None else f"{suite.table}__{label(p)}={_span(values)}"
        results = vd.run(
            batch_parameters={"dataframe": frame},
            result_format=result_format,
            run_id=RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC)),
        )
        for r in results.results:
            if r.success:
                continue
            self._record(suite, r, values, p)

    def _record(self, suite: TableSuite, r, values: list | None, p: str | None) -> None:
        cfg = r.expectation_config
        level = FAIL if str(getattr(cfg.severity, "value", cfg.severity)) == "critical" else WARN
        what = describe(cfg)
        exc = r.exception_info or {}
        if exc.get("raised_exception"):
            msg = (exc.get("exception_message") or "error").splitlines()[0]
            self.findings.append(Finding(level, where(suite, values, p), f"{what} raised: {msg}"))
            return
        res = r.result or {}
        sample = res.get("partial_unexpected_list") or res.get("unexpected_list") or []
        eg = f" (e.g. {_short(sample[0])})" if sample else ""
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
                eg = f" (e.g. {_short(_drop(found[0][1][0], p))})"
                self.findings.append(Finding(level, head, f"{what} failed on {total} rows{eg}"))
                return
            for value, rows in found:
                eg = f" (e.g. {_short(_drop(rows[0], p))})"
                self.findings.append(
                    Finding(
                        level, where(suite, [value], p), f"{what} failed on {len(rows)} rows{eg}"
                    )
                )
            return
        n = res.get("unexpected_count")
        count = f"on {n} rows" if n is not None else f"(observed {res.get('observed_value')!r})"
        self.findings.append(Finding(level, where(suite, values, p), f"{what} failed {count}{eg}"))

    def _sql_check(self, suite: TableSuite, check: SqlCheck) -> None:
        for table in check.requires:
            if not table_exists(self.con, table):
                self.sql.append(
                    SqlOutcome(
                        suite.table, check.name, check.level, "skipped", f"{table} does not exist"
                    )
                )
                return
        from core.sql import bind

        rows = self.con.execute(
            f"SELECT count(*) OVER (), * FROM ({check.sql}) LIMIT 1", bind(check.sql, self.params)
        ).fetchall()
        if not rows:
            self.sql.append(SqlOutcome(suite.table, check.name, check.level, "passed"))
            return
        n, first = rows[0][0], rows[0][1]
        self._fail_sql(suite, check.name, f"{n} offending rows, e.g. {first}", check.level)

    # ---- the end of a call ----------------------------------------------------------------
    def finish(self) -> list[str]:
        started = time.perf_counter()
        if self._ctx is not None:
            from great_expectations.data_context.types.resource_identifiers import (
                ExpectationSuiteIdentifier,
            )

            # render only this call's pages; the index still lists every stored result
            new = set(self._ctx.validation_results_store.list_keys()) - self._known_results
            suites = [ExpectationSuiteIdentifier(name=n) for n in self._suites]
            self._ctx.build_data_docs(resource_identifiers=[*new, *suites])
        self._write_sql_page()
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

    def _write_sql_page(self) -> None:
        """The SQL checks have no GX page; they get one beside the GX site's index."""
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        rows = "\n".join(
            f"<tr class='{o.status}'><td>{html.escape(o.table)}</td><td>{html.escape(o.check)}</td>"
            f"<td>{o.level}</td><td>{o.status}</td><td>{html.escape(o.detail)}</td></tr>"
            for o in self.sql
        )
        page = (
            f"<!doctype html><meta charset='utf-8'><title>{html.escape('SQL checks: ' + self.slug)}</title>"
            "<style>td{padding:2px 8px}.failed{background:#fdd}.skipped{color:#888}</style>"
            f"<h1>{html.escape('SQL checks: ' + self.slug)}</h1><p>Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}."
            " Row-level expectations: <a href='index.html'>Great Expectations Data Docs</a>.</p>"
            "<table><tr><th>table</th><th>check</th><th>level</th><th>status</th><th>detail</th></tr>"
            f"{rows}</table>"
        )
        (self.docs_dir / f"sql_checks_{self.slug}.html").write_text(page, encoding="utf-8")
        index = self.docs_dir / "index.html"
        if index.exists():  # link the SQL pages from the GX index
            links = " · ".join(
                f"<a href='{p.name}'>SQL checks: {p.stem[len('sql_checks_') :]}</a>"
                for p in sorted(self.docs_dir.glob("sql_checks_*.html"))
            )
            text = index.read_text(encoding="utf-8")
            if "<body>" in text and "sql_checks_" not in text:
                text = text.replace(
                    "<body>", f"<body><div style='padding:4px 16px'>{links}</div>", 1
                )
                index.write_text(text, encoding="utf-8")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1)
    return (
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = $s AND table_name = $t",
            {"s": schema, "t": name},
        ).fetchone()[0]
        > 0
        or con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = $s AND view_name = $t",
            {"s": schema, "t": name},
        ).fetchone()[0]
        > 0
    )


def where(suite: TableSuite, values: list | None = None, p: str | None = None) -> str:
    """`usage dt=2026-11-03` for a source partition, `marts.violations` for a mart."""
    head = suite.name if suite.schema == "staging" else suite.table
    if values and p:
        return f"{head} {label(p)}={_span(values)}"
    return head


def describe(cfg) -> str:
    """`expect_column_values_to_not_be_null(request_id)`; derived columns by name (their SQL is
    in the table's module and in Data Docs)."""
    kw = cfg.kwargs
    cols = [kw[k] for k in ("column", "column_A", "column_B") if kw.get(k)] + list(
        kw.get("column_list") or ()
    )
    shown = ", ".join(cols)
    if kw.get("row_condition"):
        shown += f" where {condition_text(kw['row_condition'])}"
    return f"{cfg.type}({shown})"


def _span(values: list) -> str:
    if not values:
        return "(none)"
    return str(values[0]) if len(values) == 1 else f"{values[0]}..{values[-1]}"


def _drop(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


def _fmt(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if type(value).__name__ == "datetime64":
        import pandas as pd

        return str(pd.Timestamp(value))
    return str(value)


def _short(value: object) -> str:
    text = _fmt(value)
    return text if len(text) <= 80 else text[:77] + "..."
