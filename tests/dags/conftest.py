"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME, this repository's dags/, no examples.

Set when pytest imports this file, before any test imports airflow: airflow reads its
configuration once, at import.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

AIRFLOW_ENV = {
    "AIRFLOW_HOME": tempfile.mkdtemp(prefix="ledger-audit-airflow-"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__PARALLELISM": "2",
    "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
}
os.environ.update(AIRFLOW_ENV)
atexit.register(shutil.rmtree, AIRFLOW_ENV["AIRFLOW_HOME"], ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# one generated landing zone and what `ledger-audit run` publishes from it, for every DAG test


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    from dag_test_support import END

    from ledger_audit.generate import generate

    root = tmp_path_factory.mktemp("landing")
    generate(root, accounts=40, days=10, seed=5, end=END)
    return root


@pytest.fixture(scope="session")
def reference(landing, tmp_path_factory) -> dict[dt.date, dict]:
    """The marts `ledger-audit run` publishes after each of NIGHTS, run in order."""
    from dag_test_support import END, NIGHTS, cli_run, marts

    warehouse = tmp_path_factory.mktemp("cli") / "warehouse.duckdb"
    out = {}
    for day in NIGHTS:
        cli_run(landing, warehouse, day)
        out[day] = marts(warehouse)
    assert out[END], "the CLI published no marts"
    return out
