"""The nightly DAG under a real Airflow: api-server (execution API only), dag-processor and
scheduler with the LocalExecutor and a parallelism of 2, on a throwaway AIRFLOW_HOME, with a
local SMTP server standing in for the mail relay.

1. A triggered night succeeds and publishes what `ledger-audit run` publishes.
2. The next night, with validate made to fail once (the `ledger_audit_test_fail_once`
   Variable), retries validate, e-mails on-call about the retry, and publishes what
   `ledger-audit run` publishes after those two nights.
3. `airflow backfill create` over those nights (into another warehouse) runs them in date
   order, one at a time, each auditing what `ledger-audit run` audits for its date.

Every process is started in its own session and its whole group is killed when the module's
tests end, pass or fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dag_test_support import NIGHTS, free_port, marts, smtp_server, violations_by_rule

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
DAG_ID = "ledger_audit_nightly"
# The test Airflow's airflow_local_settings.py. Retries wait 2 minutes and more in production; a
# cluster policy shortens them for this test. It also holds the SQLite connect arguments below.
LOCAL_SETTINGS = '''
import datetime as dt

def task_policy(task):
    task.retry_delay = dt.timedelta(seconds=1)
    task.max_retry_delay = dt.timedelta(seconds=2)

# The metadata database is SQLite here, written by the scheduler, the dag-processor, the
# api-server, task runners and the CLI at once: each waits up to 60 s for another's write
# lock instead of SQLite's 5 s (a loaded 2-core machine held one longer: "database is locked"
# in `airflow backfill create`)
SQLITE_CONNECT_ARGS = {"timeout": 60}
'''


class Airflow:
    """A running local Airflow: run CLI commands, read its metadata database, stop it."""

    def __init__(self, home: Path, env: dict[str, str]):
        self.home = home
        self.env = env
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.warehouse: Path | None = None

    def cli(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run([str(AIRFLOW), *args], env=self.env, capture_output=True,
                                text=True, timeout=timeout, cwd=self.home, check=False)
        assert result.returncode == 0, f"airflow {' '.join(args)}: {result.stderr[-3000:]}"
        return result.stdout

    def set_warehouse(self, path: Path) -> None:
        self.cli("variables", "set", "ledger_audit_warehouse", str(path))
        self.warehouse = path

    def start(self, name: str, *args: str) -> None:
        with open(self.home / f"{name}.log", "wb") as log:  # the child keeps its own handle
            proc = subprocess.Popen([str(AIRFLOW), *args], env=self.env, cwd=self.home,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))

    def stop(self) -> None:
        """SIGTERM every process of each component's session (task runners put themselves in
        their own process groups, but stay in the session), then SIGKILL what is left."""
        sessions = [proc.pid for _, proc in self.procs]
        _signal_sessions(sessions, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        _signal_sessions(sessions, signal.SIGKILL)
        for _, proc in self.procs:
            proc.wait(timeout=10)

    def check_alive(self) -> None:
        for name, proc in self.procs:
            assert proc.poll() is None, f"{name} exited: {self.log_tail(name)}"

    def log_tail(self, name: str, chars: int = 3000) -> str:
        return (self.home / f"{name}.log").read_text(errors="replace")[-chars:]

    def query(self, sql: str, *params) -> list[tuple]:
        con = sqlite3.connect(self.home / "airflow.db", timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def wait_for(self, what: str, check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if check():
                return
            time.sleep(1)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n"
                             + "\n".join(f"--- {n}\n{self.log_tail(n)}" for n, _ in self.procs))

    def run_to_end(self, run_id: str, timeout: float = 300) -> str:
        def done():
            rows = self.query("SELECT state FROM dag_run WHERE run_id = ?", run_id)
            return rows and rows[0][0] in ("success", "failed")

        self.wait_for(f"run {run_id}", done, timeout)
        return self.query("SELECT state FROM dag_run WHERE run_id = ?", run_id)[0][0]

    def returned(self, run_id: str, task_id: str) -> dict:
        (value,) = self.query("SELECT value FROM xcom WHERE run_id = ? AND task_id = ?"
                              " AND key = 'return_value'", run_id, task_id)[0]
        return json.loads(value)

    def tries(self, run_id: str) -> dict[str, tuple[str, int]]:
        return {t: (s, n) for t, s, n in self.query(
            "SELECT task_id, state, try_number FROM task_instance WHERE run_id = ?", run_id)}


def _signal_sessions(sessions: list[int], sig: int) -> None:
    """Send `sig` to every process whose session id is one of `sessions` (started with
    start_new_session, so each session id is the pid of a process this test started)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in sessions:  # after "pid (comm)": state, ppid, pgrp, session
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(stat.parent.name), sig)


@pytest.fixture(scope="module")
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, landing, inbox):
    home = tmp_path_factory.mktemp("airflow_home")
    (home / "config").mkdir()
    (home / "config" / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW__", "AIRFLOW_VAR_", "AIRFLOW_CONN_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "airflow_local_settings.SQLITE_CONNECT_ARGS",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "ledger-audit-scheduler-test",
        # only the runs this test asks for: no run for "the day just ended" by the clock
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW_VAR_LEDGER_AUDIT_LANDING": str(landing),
        "AIRFLOW_VAR_LEDGER_AUDIT_REPORTS": str(home / "ledger-audit" / "reports"),
        "AIRFLOW_VAR_LEDGER_AUDIT_ONCALL_TO": "night-oncall@example.test",
        "AIRFLOW_CONN_SMTP_DEFAULT": inbox.connection_json(),
    })
    af = Airflow(home, env)
    af.cli("db", "migrate", timeout=300)
    # in the database, not the environment, so that a test can point it elsewhere
    af.set_warehouse(home / "ledger-audit" / "warehouse.duckdb")
    try:
        af.start("api-server", "api-server", "--apps", "execution", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", "1")
        af.start("dag-processor", "dag-processor")
        af.start("scheduler", "scheduler", "--skip-serve-logs")
        af.wait_for(f"{DAG_ID} to be parsed", lambda: af.query(
            "SELECT 1 FROM dag WHERE dag_id = ? AND is_paused = 0", DAG_ID), timeout=180)
        yield af
    finally:
        af.stop()


def trigger(af: Airflow, run_id: str, day: dt.date) -> None:
    af.cli("dags", "trigger", DAG_ID, "--run-id", run_id,
           "--conf", json.dumps({"business_date": day.isoformat()}))


def test_triggered_night_publishes_what_ledger_audit_run_publishes(airflow, reference, inbox):
    day = NIGHTS[0]
    started = time.monotonic()
    trigger(airflow, "first", day)
    state = airflow.run_to_end("first")
    assert state == "success", (airflow.tries("first"), airflow.log_tail("scheduler"))
    assert {t: s for t, (s, _) in airflow.tries("first").items()} == dict.fromkeys(
        ["load", "validate", "audit", "publish", "build_reports", "send"], "success")
    assert marts(airflow.warehouse) == reference[day]
    events = airflow.query("SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id"
                           " WHERE a.name = 'ledger_audit_warehouse'")
    assert [json.loads(x)["business_date"] for (x,) in events] == [day.isoformat()]
    assert sorted(m["To"] for m in inbox.messages) == ["finance@localhost", "legal@localhost"]
    print(f"first night under the scheduler: {time.monotonic() - started:.0f}s")


def test_task_failing_once_is_retried_and_oncall_is_emailed(airflow, reference, inbox):
    day = NIGHTS[1]
    started = time.monotonic()
    airflow.cli("variables", "set", "ledger_audit_test_fail_once", "validate")
    try:
        trigger(airflow, "next", day)
        state = airflow.run_to_end("next")
    finally:
        airflow.cli("variables", "delete", "ledger_audit_test_fail_once")
    tries = airflow.tries("next")
    assert state == "success", tries
    assert tries["validate"] == ("success", 2), "validate should have failed once, then passed"
    assert tries["load"] == ("success", 1)

    oncall = [m for m in inbox.messages if m["To"] == "night-oncall@example.test"]
    assert len(oncall) == 1, inbox.subjects()
    mail = oncall[0]
    assert mail["Subject"].startswith(f"[ledger-audit] {DAG_ID}.validate retrying (try 1)")
    assert mail["To"] == "night-oncall@example.test"
    assert "failing the first try on purpose" in inbox.html(mail)
    assert marts(airflow.warehouse) == reference[day]
    print(f"second night, with a retry: {time.monotonic() - started:.0f}s")


def test_backfill_runs_the_nights_in_date_order_one_at_a_time(airflow, reference):
    started = time.monotonic()
    airflow.set_warehouse(airflow.home / "backfill" / "warehouse.duckdb")
    first, last = NIGHTS[0], NIGHTS[-1]
    airflow.cli("backfill", "create", "--dag-id", DAG_ID, "--max-active-runs", "1",
                "--from-date", f"{first}T00:00:00+08:00", "--to-date", f"{last}T00:00:00+08:00")

    def backfill_runs():
        return airflow.query("SELECT run_id, state FROM dag_run WHERE run_type = 'backfill'"
                             " ORDER BY logical_date")

    airflow.wait_for("the backfill", lambda: len(backfill_runs()) == len(NIGHTS) and all(
        state in ("success", "failed") for _, state in backfill_runs()), timeout=300 * len(NIGHTS))
    runs = [run_id for run_id, _ in backfill_runs()]
    assert [state for _, state in backfill_runs()] == ["success"] * len(NIGHTS), [
        airflow.tries(r) for r in runs]

    for run_id, day in zip(runs, NIGHTS, strict=True):
        audited = airflow.returned(run_id, "audit")
        assert audited["business_date"] == day.isoformat()
        assert audited["violations"] == violations_by_rule(reference[day]), f"night {day}"
    for before, after in itertools.pairwise(runs):
        (published,) = airflow.query("SELECT end_date FROM task_instance WHERE run_id = ?"
                                     " AND task_id = 'publish'", before)[0]
        (loading,) = airflow.query("SELECT start_date FROM task_instance WHERE run_id = ?"
                                   " AND task_id = 'load'", after)[0]
        assert published <= loading, f"{after} started before {before} had published"
    assert marts(airflow.warehouse) == reference[last]
    print(f"backfill of {len(NIGHTS)} nights: {time.monotonic() - started:.0f}s")
