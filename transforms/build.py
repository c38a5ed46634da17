"""The audit's build, in order, on a connection whose `staging` schema holds the loaded sources
(`transforms/staging/stg_sources.py` made the views, `marts.load_audit` and `marts.quarantine`).

    intermediate: the as-of views, the balance engine, the balance positions, the usage extracts;
                  identity clusters beside them, on a second connection (`beside`)
    marts:        account_balances, topup_positions, funding_breaks, identity_clusters,
                  liability_caps, violations (every rule), violation_history (night by night)
    comments:     every table's schema.yaml, as COMMENT ON its table and columns

Each published table has a folder `transforms/<layer>/<table>/` with the SQL (`query.sql`) or
the Python (`build.py`) that makes it and its `schema.yaml`. The CLI's `run`, the Airflow DAG and
the tests all call these functions.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from core.db import AuditContext, prepare
from core.sql import bind
from transforms.changes import Changes, full
from transforms.intermediate import balance, identity, usage_extracts
from transforms.marts.violation_history import build as violation_history
from transforms.marts.violations.build import build_violations
from transforms.schema import apply_comments, table

HERE = Path(__file__).resolve().parent

# The landing data as the run sees it: every source cut at "now", the end of the business date
# (rules.md §6 "As of"): records stamped at or after "now" are ignored, a refund decided at or
# after "now" is still pending, a chargeback or evidence dated after "now" has not happened.
# TEMP views in the build session (they read getvariable('now')), one file each; every rule and
# the balance engine read these, never staging directly.
ASOF_VIEWS = [
    "asof/int_accounts.sql",
    "asof/int_topups.sql",
    "asof/int_grants.sql",
    "asof/int_promotions.sql",
    "asof/int_usage.sql",
    "asof/int_prices.sql",
    "asof/int_invoices.sql",
    "asof/int_refunds.sql",
    "asof/int_account_actions.sql",
    "asof/int_adjustments.sql",
    "asof/int_claims.sql",
    "int_usage__out_of_service.sql",  # reads int_usage and int_account_actions
]


def build_asof(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    """The int_<source> views (every source cut at the run's "now") and views derived from them."""
    for name in ASOF_VIEWS:
        con.execute((HERE / "intermediate" / name).read_text(encoding="utf-8"))


def run_query(con: duckdb.DuckDBPyConnection, ctx: AuditContext, name: str) -> None:
    """Run the query.sql of table `name` (`schema.table`), binding the run's $parameters it names."""
    t = table(name)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {t.schema}")
    sql = t.query()
    params = bind(sql, ctx.params())
    if params:
        con.execute(sql, params)
    else:
        con.execute(sql)


def build_intermediate(con: duckdb.DuckDBPyConnection, ctx: AuditContext,
                       changes: Changes | None = None) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    build_asof(con, ctx)
    # identity reads only accounts and top-ups, and nothing here reads identity: it is built
    # beside the balance engine, whose Python replay holds one core while DuckDB waits
    with beside(con, ctx, identity.build, changes, said_by=identity.log):
        # from the published night's saved state when that is exact, else from the first event
        restart = balance.restart_point(con, ctx, changes)
        balance.build(con, ctx, restart=restart)  # int_balance__lots ... __daily (see balance.py)
        with balance.unordered_inserts(con):
            run_query(con, ctx, "intermediate.int_balance__positions")
            if restart is not None:
                balance.carry_positions(con, ctx, restart)
            run_query(con, ctx, "intermediate.int_balance__calendar")
        usage_extracts.build(con, ctx, changes)  # int_claims__caps, int_usage__labelled


@contextlib.contextmanager
def beside(con: duckdb.DuckDBPyConnection, ctx: AuditContext, build: Callable, *args,
           said_by: logging.Logger) -> Iterator[None]:
    """Run `build(cursor, ctx, *args)` on a second connection of the same database (prepared as
    `con` is, with the as-of views) on a thread of its own while the block runs on `con`.

    The two write different tables; each keeps its temporary tables to itself. What `build`
    logs (on `said_by`) is held and said after the block, so the night's lines come in the same
    order every time. An error of the block wins; else the build's error is raised."""
    cur = prepare(con.cursor(), ctx)
    build_asof(cur, ctx)
    held: list[logging.LogRecord] = []

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    hold, propagate = Hold(logging.DEBUG), said_by.propagate
    said_by.addHandler(hold)
    said_by.propagate = False
    with ThreadPoolExecutor(1, thread_name_prefix="beside") as pool:
        done = pool.submit(build, cur, ctx, *args)
        try:
            yield
        finally:
            error = done.exception()  # waits for it
            cur.close()
            said_by.removeHandler(hold)
            said_by.propagate = propagate
            for record in held:
                said_by.handle(record)
    if error is not None:
        raise error


def build_marts(con: duckdb.DuckDBPyConnection, ctx: AuditContext, previous: str | None = None,
                changes: Changes | None = None) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    with balance.unordered_inserts(con):
        run_query(con, ctx, "marts.account_balances")
        run_query(con, ctx, "marts.topup_positions")
        run_query(con, ctx, "marts.funding_breaks")
    run_query(con, ctx, "marts.identity_clusters")
    run_query(con, ctx, "marts.liability_caps")
    build_violations(con, ctx, previous, changes=changes or full("no published night given"))
    # the database the previous violations live in (`prev.marts.violations` -> `prev`)
    previous_db = previous.split(".")[0] if previous and previous.count(".") == 2 else None
    violation_history.build(con, ctx, previous_db)
    apply_comments(con)


def build_all(con: duckdb.DuckDBPyConnection, ctx: AuditContext, previous: str | None = None,
              changes: Changes | None = None) -> None:
    """`changes` (transforms.changes.since) says what may be carried from the published
    warehouse; None recomputes everything."""
    changes = changes or full("no published night given")
    build_intermediate(con, ctx, changes)
    build_marts(con, ctx, previous, changes)
