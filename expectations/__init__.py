"""Great Expectations suites for every source and every mart, and the runner the pipeline calls.

    validate_sources(con, [(source, dt), ...], docs_dir) -> warnings   # at load
    validate_marts(con, ctx, docs_dir) -> warnings                     # after the build

One module per table: `expectations/sources/<source>.py` (derived from the input contract in
transforms/sources.py, plus that source's own checks) and `expectations/marts/<mart>.py`. Every
check is marked fail (raises `core.errors.ValidationFailed` with one line naming the
table, partition and expectation; the night stops) or warn (returned, the night goes on).
Row-level checks run in GX on pandas batches pulled from DuckDB of what is new (a source's new
partitions, a daily mart's business date, a bounded sample of a whole-table mart), and as the
same expectations in SQL over every other row (expectations/sweep.py); checks over a whole table
(uniqueness across partitions, totals, column types) are SQL on DuckDB. Data Docs (GX's site
plus `sql_checks_*.html`) are written to `docs_dir`. GX is imported only when a call runs.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections import defaultdict

import duckdb

__all__ = ["preload", "validate_marts", "validate_sources"]

_preloading: list = []


def preload() -> None:
    """Start importing Great Expectations in a background thread and return at once.

    Importing GX takes ~10-20 s of one core (it pulls in scipy and pandas); a step that builds
    tables first calls this so the import overlaps DuckDB's work (which runs outside the GIL)
    instead of adding to the night. The first validation simply waits for it; calling it twice
    starts one thread."""
    import threading

    if _preloading:
        return

    def _import() -> None:
        import os

        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        try:
            import great_expectations.expectations  # noqa: F401
        except Exception:  # noqa: BLE001, S110 - the validation's own import then says what failed
            pass

    thread = threading.Thread(target=_import, name="gx-preload", daemon=True)
    _preloading.append(thread)
    thread.start()


def validate_sources(
    con: duckdb.DuckDBPyConnection, partitions: list[tuple[str, dt.date]], docs_dir: pathlib.Path,
    index: bool = True,
) -> list[str]:
    """Validate the given (source, dt) partitions of staging.<source>, then each such source's
    whole-table SQL checks. Raises ValidationFailed on a fail-level failure; returns the
    warn-level ones, one line each. `index=False` leaves the Data Docs index to a later step
    unless a check fails (the night's marts validation rebuilds it)."""
    from expectations import sources
    from expectations.runner import Run, table_exists

    wanted: dict[str, set] = defaultdict(set)
    for source, day in partitions:
        wanted[source].add(day)
    run = Run(con, pathlib.Path(docs_dir), _params(con), "sources", index=index)
    for source in sorted(wanted):
        suite = sources.suite(source)
        if not table_exists(con, suite.table):
            run._fail_sql(suite, "table present", f"{suite.table} does not exist")
            continue
        run.check_table(suite, sorted(wanted[source]))
    return run.finish()


def rebuild_index(docs_dir: pathlib.Path) -> None:
    """Rebuild the Data Docs index without validating anything: for a night that stopped after
    a sources' validation that left the index to the marts' (`validate_sources(index=False)`).
    GX renders at least one named page, so the sources' suite pages are rendered again too."""
    from expectations import gx_context, sources

    gx_context.build_index(pathlib.Path(docs_dir), [s.table for s in sources.all_suites().values()])


def validate_marts(con: duckdb.DuckDBPyConnection, ctx, docs_dir: pathlib.Path) -> list[str]:
    """Validate every table of schema marts that has a suite and exists on `con` (the others
    are not built yet and are skipped). Raises ValidationFailed / returns warnings as above."""
    from expectations import marts
    from expectations.runner import Run, table_exists

    run = Run(con, pathlib.Path(docs_dir), {**_params(con), **ctx.params()}, "marts")
    for suite in marts.all_suites().values():
        if table_exists(con, suite.table):
            run.check_table(suite)
    return run.finish()


def _params(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """$business_date, $now and $tz from the connection's variables (core.db.prepare)."""
    row = con.execute(
        "SELECT getvariable('business_date'), getvariable('now'), getvariable('tz')"
    ).fetchone()
    return {k: v for k, v in zip(("business_date", "now", "tz"), row) if v is not None}
