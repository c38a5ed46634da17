"""The audit's build, in order, on a connection whose `staging` schema holds the loaded sources.

    staging (views over the lake, made by the loader)
      -> intermediate: as-of views, the balance engine, identity clusters
      -> marts: balances, positions, breaks, clusters, caps
      -> marts.violations: every rule

The CLI's `run`, the Airflow DAG and the tests all call these functions.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.db import AuditContext

HERE = Path(__file__).resolve().parent

from transforms.intermediate import balance, identity
from transforms.marts import balances, identity_clusters, liability
from transforms.marts.violations import build_violations

# Steps after the as-of views, each a module with build(con, ctx). Order matters: later steps
# read what earlier ones wrote.
INTERMEDIATE_STEPS = (balance, identity)
MART_STEPS = (balances, identity_clusters, liability)


# TEMP views over the sources as of "now", in order: rules and the engine read these
ASOF_VIEWS = ["int_asof.sql", "int_usage__out_of_service.sql"]


def build_asof(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    """The int_<source> views (every source cut at the run's "now") and views derived from them."""
    for name in ASOF_VIEWS:
        con.execute((HERE / "intermediate" / name).read_text(encoding="utf-8"))


def _run_steps(con, ctx, steps) -> None:
    for step in steps:
        step.build(con, ctx)


def build_intermediate(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    build_asof(con, ctx)
    _run_steps(con, ctx, INTERMEDIATE_STEPS)


def build_marts(con: duckdb.DuckDBPyConnection, ctx: AuditContext, previous: str | None = None) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    _run_steps(con, ctx, MART_STEPS)
    build_violations(con, ctx, previous)


def build_all(con: duckdb.DuckDBPyConnection, ctx: AuditContext, previous: str | None = None) -> None:
    build_intermediate(con, ctx)
    build_marts(con, ctx, previous)
