"""DAG policy: the bag is read from this repository's dags/ (path from __file__, never the
working directory), has DAGs and no import errors, and every task can be retried, is owned
and alerts on-call. Importing a DAG file does nothing heavy."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
HEAVY = ("duckdb", "polars", "pandas", "pyarrow", "great_expectations", "splink",
         "ledger_audit.pipeline", "ledger_audit.generate", "transforms")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS)


def test_dags_folder_holds_dag_files():
    assert sorted(p.name for p in DAGS.glob("*.py")), f"no DAG files in {DAGS}"


def test_dagbag_is_not_empty_and_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "ledger_audit_nightly" in dagbag.dags


def test_every_dag_is_documented_and_alerts_on_failure(dagbag):
    from ledger_audit.airflow_support import OncallNotifier

    for dag in dagbag.dags.values():
        assert dag.doc_md and dag.doc_md.strip(), f"{dag.dag_id} has no doc_md"
        for t in dag.tasks:
            assert any(isinstance(cb, OncallNotifier) for cb in t.on_failure_callback or []), (
                f"{dag.dag_id}.{t.task_id} has no on-call failure notifier")
            assert any(isinstance(cb, OncallNotifier) for cb in t.on_retry_callback or []), (
                f"{dag.dag_id}.{t.task_id} does not tell on-call about retries")


def test_every_task_has_retries_with_back_off_and_an_owner(dagbag):
    for dag in dagbag.dags.values():
        for t in dag.tasks:
            where = f"{dag.dag_id}.{t.task_id}"
            assert t.retries >= 1, f"{where} has no retries"
            assert t.retry_delay > dt.timedelta(0), f"{where} retries at once"
            assert t.retry_exponential_backoff > 1, f"{where} retries without back-off"
            assert t.owner and t.owner != "airflow", f"{where} has no owner"


def test_nightly_runs_the_steps_in_order_and_publishes_the_warehouse_asset(dagbag):
    from ledger_audit.airflow_support import WAREHOUSE_ASSET

    dag = dagbag.dags["ledger_audit_nightly"]
    order = ["load", "validate", "audit", "publish", "build_reports", "send"]
    assert sorted(dag.task_ids) == sorted(order)
    for up, down in itertools.pairwise(order):
        assert dag.get_task(up).downstream_task_ids == {down}
    # a failed send is retried on its own: nothing that publishes runs after it
    assert dag.get_task("send").downstream_task_ids == set()
    assert dag.get_task("send").upstream_task_ids == {"build_reports"}
    assert dag.get_task("publish").outlets == [WAREHOUSE_ASSET]
    assert dag.max_active_runs == 1, "two nights must never write the warehouse at once"
    assert not dag.catchup


def test_nightly_data_interval_is_one_business_day_in_the_platform_zone(dagbag):
    from zoneinfo import ZoneInfo

    dag = dagbag.dags["ledger_audit_nightly"]
    shanghai = ZoneInfo("Asia/Shanghai")
    after = dt.datetime(2026, 11, 20, 12, tzinfo=shanghai)
    info = dag.timetable.next_dagrun_info(last_automated_data_interval=None,
                                          restriction=_restriction(after))
    start = info.data_interval.start.astimezone(shanghai)
    end = info.data_interval.end.astimezone(shanghai)
    assert (start, end) == (dt.datetime(2026, 11, 21, tzinfo=shanghai),
                            dt.datetime(2026, 11, 22, tzinfo=shanghai))
    assert info.run_after == info.data_interval.end, "runs once the business day has closed"


def _restriction(earliest):
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=earliest, latest=None, catchup=True)


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_importing_a_dag_file_is_light(dag_file):
    """No heavy module is imported and nothing is read from Airflow's database or Variables:
    the DAG processor imports every file every 30 seconds."""
    probe = f"""
import importlib.util, sys, time
import airflow.sdk, ledger_audit.airflow_support
from airflow.sdk import Variable
def no_variables(*a, **k):
    raise AssertionError("Variable.get at import time")
Variable.get = no_variables
t = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", {str(DAGS / dag_file)!r})
spec.loader.exec_module(importlib.util.module_from_spec(spec))
took = time.perf_counter() - t
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r} or m in {HEAVY!r})
print(took, heavy)
assert not heavy, heavy
assert took < 1.0, took
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
