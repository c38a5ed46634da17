"""The nightly DAG under `dag.test()` (tasks in this process, on a generated landing zone):
it publishes the same marts as `ledger-audit run` for the same date; a failed night leaves the
published warehouse as it was and e-mails on-call; running the day again then publishes what
`ledger-audit run` publishes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from dag_test_support import END, NIGHTS, cli_run, marts, smtp_server

DAGS = Path(__file__).resolve().parents[2] / "dags"
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.slow


def due(day: dt.date) -> dt.datetime:
    """When the nightly run for business date `day` is due: the next midnight in Shanghai."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)


@pytest.fixture(scope="module")
def airflow_db():
    from airflow.utils import db

    db.initdb()


@pytest.fixture
def nightly(airflow_db, landing, tmp_path, monkeypatch):
    """The nightly DAG (`.dag`), its Variables pointing at the landing zone and a fresh
    warehouse (`.warehouse`)."""
    from airflow.dag_processing.dagbag import DagBag

    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    for key, value in {"LANDING": landing, "WAREHOUSE": warehouse,
                       "REPORTS": tmp_path / "reports"}.items():
        monkeypatch.setenv(f"AIRFLOW_VAR_LEDGER_AUDIT_{key}", str(value))
    monkeypatch.delenv("AIRFLOW_VAR_LEDGER_AUDIT_TEST_FAIL_ONCE", raising=False)
    bag = DagBag(dag_folder=DAGS)
    assert not bag.import_errors
    return SimpleNamespace(dag=bag.dags["ledger_audit_nightly"], warehouse=warehouse)


def states(dr) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dr.get_task_instances()}


def test_scheduled_night_publishes_what_ledger_audit_run_publishes(nightly, reference):
    day = NIGHTS[0]
    dr = nightly.dag.test(logical_date=due(day))  # as the scheduler would when day D closes
    assert dr.state == "success", states(dr)
    assert dr.data_interval_start.astimezone(SHANGHAI).date() == day
    assert marts(nightly.warehouse) == reference[day]


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


def test_failed_night_leaves_published_warehouse_untouched_and_emails_oncall(
        nightly, reference, landing, inbox, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", inbox.connection_json())
    monkeypatch.setenv("AIRFLOW_VAR_LEDGER_AUDIT_ONCALL_TO", "night-oncall@example.test")
    cli_run(landing, nightly.warehouse, NIGHTS[0])
    before = nightly.warehouse.read_bytes()

    monkeypatch.setenv("AIRFLOW_VAR_LEDGER_AUDIT_TEST_FAIL_ONCE", "publish")
    for t in nightly.dag.tasks:
        t.retries = 0  # fail the run now rather than wait for the retry
    dr = nightly.dag.test(logical_date=None, run_conf={"business_date": END.isoformat()})
    assert dr.state == "failed"
    assert states(dr)["publish"] == "failed"
    assert nightly.warehouse.read_bytes() == before, "a failed night changed the warehouse"
    assert marts(nightly.warehouse) == reference[NIGHTS[0]]

    assert len(inbox.messages) == 1, inbox.subjects()
    mail = inbox.messages[0]
    assert mail["To"] == "night-oncall@example.test"
    assert mail["Subject"].startswith("[ledger-audit] ledger_audit_nightly.publish failed (try 1)")
    assert "failing the first try on purpose" in inbox.html(mail)

    # run the day again (what clearing it does): it publishes as if it had never failed
    monkeypatch.delenv("AIRFLOW_VAR_LEDGER_AUDIT_TEST_FAIL_ONCE")
    dr = nightly.dag.test(logical_date=None, run_conf={"business_date": END.isoformat()})
    assert dr.state == "success", states(dr)
    assert marts(nightly.warehouse) == reference[END]

