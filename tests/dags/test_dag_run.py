"""The nightly DAG under `dag.test()` (tasks in this process, on a generated landing zone):
it publishes the same marts as `ledger-audit run` for the same date; a failed night leaves the
published warehouse as it was and e-mails on-call; running the day again then publishes what
`ledger-audit run` publishes."""

from __future__ import annotations

import datetime as dt
import json
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
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def nightly(airflow_db, landing, tmp_path, monkeypatch, inbox):
    """The nightly DAG (`.dag`), its Variables pointing at the landing zone and a fresh
    warehouse (`.warehouse`)."""
    from airflow.dag_processing.dagbag import DagBag

    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    for key, value in {"LANDING": landing, "WAREHOUSE": warehouse,
                       "REPORTS": tmp_path / "reports"}.items():
        monkeypatch.setenv(f"AIRFLOW_VAR_LEDGER_AUDIT_{key}", str(value))
    monkeypatch.delenv("AIRFLOW_VAR_LEDGER_AUDIT_TEST_FAIL_ONCE", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", inbox.connection_json())
    monkeypatch.setenv("AIRFLOW_VAR_LEDGER_AUDIT_ONCALL_TO", "night-oncall@example.test")
    bag = DagBag(dag_folder=DAGS)
    assert not bag.import_errors
    return SimpleNamespace(dag=bag.dags["ledger_audit_nightly"], warehouse=warehouse,
                           reports=tmp_path / "reports")


def states(dr) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dr.get_task_instances()}


def test_scheduled_night_publishes_what_ledger_audit_run_publishes(nightly, reference, inbox):
    day = NIGHTS[0]
    dr = nightly.dag.test(logical_date=due(day))  # as the scheduler would when day D closes
    assert dr.state == "success", states(dr)
    assert dr.data_interval_start.astimezone(SHANGHAI).date() == day
    assert marts(nightly.warehouse) == reference[day]
    # then the packs are built and mailed through smtp_default, once
    assert sorted(m["To"] for m in inbox.messages) == ["finance@localhost", "legal@localhost"]
    assert all(f"{day}" in m["Subject"] for m in inbox.messages)
    assert sorted(p.name for p in (nightly.reports / day.isoformat()).glob("*.pdf")) == ["legal.pdf"]


def test_a_failed_send_fails_only_send_alerts_oncall_and_leaves_the_warehouse(
        nightly, monkeypatch):
    """The relay refuses the finance mailbox: publish and build_reports have succeeded, send
    fails, on-call hears of it through the same connection, the warehouse is as published."""
    import contextlib

    from aiosmtpd.controller import Controller
    from dag_test_support import free_port

    got = []

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address == "finance@localhost":
                return "550 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            got.append(envelope.content.decode(errors="replace"))
            return "250 OK"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    with contextlib.ExitStack() as stack:
        stack.callback(controller.stop)
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(
            {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
             "extra": {"disable_ssl": True, "disable_tls": True}}))
        for t in nightly.dag.tasks:
            t.retries = 0
        dr = nightly.dag.test(logical_date=None, run_conf={"business_date": END.isoformat()})
        assert dr.state == "failed"
        assert {k: v for k, v in states(dr).items() if v != "success"} == {"send": "failed"}
        import duckdb

        con = duckdb.connect(str(nightly.warehouse), read_only=True)
        try:  # published, and left so
            assert con.execute("SELECT max(business_date) FROM meta.run").fetchall()[0][0] == END
        finally:
            con.close()
        assert not (nightly.reports / END.isoformat() / "delivery.json").exists()
        oncall = [m for m in got if "night-oncall@example.test" in m]
        assert len(oncall) == 1 and "ledger_audit_nightly.send failed" in oncall[0]

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

    assert len(inbox.messages) == 1, inbox.subjects()  # no pack: the night did not publish
    mail = inbox.messages[0]
    assert mail["To"] == "night-oncall@example.test"
    assert mail["Subject"].startswith("[ledger-audit] ledger_audit_nightly.publish failed (try 1)")
    assert "failing the first try on purpose" in inbox.html(mail)

    # run the day again (what clearing it does): it publishes as if it had never failed
    monkeypatch.delenv("AIRFLOW_VAR_LEDGER_AUDIT_TEST_FAIL_ONCE")
    dr = nightly.dag.test(logical_date=None, run_conf={"business_date": END.isoformat()})
    assert dr.state == "success", states(dr)
    assert marts(nightly.warehouse) == reference[END]

