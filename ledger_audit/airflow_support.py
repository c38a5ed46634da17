"""What the Airflow DAGs in `dags/` need, so that the DAG files stay a few readable lines.

Importing this module is cheap (Airflow's task SDK, the SMTP provider's notifier and the
standard library): the DAG processor imports it on every parse. Settings, the pipeline and its heavy dependencies (DuckDB,
polars, Great Expectations) are read or imported inside `run_step`, that is when a task runs.

Where things live, read when a task runs (docs/airflow.md, "Configuration"): each from an
Airflow Variable (which Airflow also takes from the environment as `AIRFLOW_VAR_<KEY>`), else a
default under `$AIRFLOW_HOME/ledger-audit/`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import Asset

DAG_ID = "ledger_audit_nightly"
OWNER = "ledger-audit"
# The platform's time zone (core.config.Platform's default). The schedule is fixed at
# parse time, so it cannot follow a config file; business dates use the config's zone.
PLATFORM_TZ = "Asia/Shanghai"
# The nightly run starts when the business day closes in the platform time zone, so each
# run's data interval is exactly one business day: [D 00:00, D+1 00:00) Asia/Shanghai.
NIGHTLY_CRON = "0 0 * * *"

# The published warehouse. Downstream DAGs schedule on it; each event's extra carries
# the business date and the warehouse path (`business_date_of` reads them).
WAREHOUSE_ASSET = Asset(name="ledger_audit_warehouse", uri="ledger-audit://warehouse/marts")

# Airflow Variables (or AIRFLOW_VAR_<KEY in upper case> in the environment).
VAR_LANDING = "ledger_audit_landing"
VAR_WAREHOUSE = "ledger_audit_warehouse"
VAR_REPORTS = "ledger_audit_reports"
VAR_CONFIG = "ledger_audit_config"
VAR_ONCALL_TO = "ledger_audit_oncall_to"
# Testing hook, off by default: set it to a task id and that task raises on its first try only
# (the scheduler test uses it to show a retry and the on-call e-mail).
VAR_FAIL_ONCE = "ledger_audit_test_fail_once"

STEPS = ("load", "validate", "audit", "publish")
SMTP_CONN_ID = "smtp_default"  # the on-call notifier's connection; the packs go through it too


def dag_kwargs(doc_md: str | None) -> dict[str, Any]:
    """Arguments of the nightly `@dag`: schedule, one run at a time, retries, the notifier."""
    from airflow.sdk import Param
    from airflow.timetables.interval import CronDataIntervalTimetable

    return {
        "dag_id": DAG_ID,
        "doc_md": doc_md,
        "schedule": CronDataIntervalTimetable(NIGHTLY_CRON, timezone=PLATFORM_TZ),
        "start_date": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "catchup": False,
        # Steps keep their state on disk between tasks: two runs interleaving would mix nights.
        # Airflow counts backfill runs apart from this: backfill with --max-active-runs 1.
        "max_active_runs": 1,
        "tags": ["ledger-audit"],
        "params": {
            "business_date": Param(
                None,
                type=["null", "string"],
                format="date",
                description="YYYY-MM-DD to audit; empty: the day the run's data interval covers",
            )
        },
        "default_args": {
            "owner": OWNER,
            "retries": 3,
            "retry_delay": dt.timedelta(minutes=2),
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": dt.timedelta(minutes=30),
            "execution_timeout": dt.timedelta(hours=3),
            "on_failure_callback": [OncallNotifier("failed")],
            "on_retry_callback": [OncallNotifier("retrying")],
        },
    }


@dataclass(frozen=True)
class Settings:
    """Where the night reads and writes, and the audit settings, as resolved for one task."""

    landing: Path
    warehouse: Path
    reports: Path
    config_file: Path | None

    def config(self):  # -> core.config.Config
        from core.config import load_config

        return load_config(self.config_file)


def _home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow") / "ledger-audit"


def _variable(key: str) -> str | None:
    from airflow.sdk import Variable

    value = Variable.get(key, default=None)
    return (value.strip() or None) if isinstance(value, str) else value


def settings() -> Settings:
    """Variables (or AIRFLOW_VAR_* environment), else the documented defaults."""
    home = _home()
    config = _variable(VAR_CONFIG)
    return Settings(
        landing=Path(_variable(VAR_LANDING) or home / "landing"),
        warehouse=Path(_variable(VAR_WAREHOUSE) or home / "warehouse.duckdb"),
        reports=Path(_variable(VAR_REPORTS) or home / "reports"),
        config_file=Path(config) if config else None,
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def business_date_of(context: Mapping[str, Any], tz: str = PLATFORM_TZ) -> dt.date:
    """The business date a run is about, never `now()`.

    In order: the `business_date` param (manual runs, re-runs of a given day); the business
    date of the asset event that triggered the run (downstream DAGs); the day the data
    interval covers, in the platform time zone (scheduled and backfill runs); for a manual
    run without a data interval, the day that ended before the run was due.
    """
    from zoneinfo import ZoneInfo

    param = (context.get("params") or {}).get("business_date")
    if param:
        return _as_date(param)
    events = context.get("triggering_asset_events") or {}
    for asset_events in events.values():
        for event in reversed(list(asset_events)):
            extra = getattr(event, "extra", None) or {}
            if extra.get("business_date"):
                return _as_date(extra["business_date"])
    zone = ZoneInfo(tz)
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is not None and end is not None and start < end:
        return start.astimezone(zone).date()
    dag_run = context.get("dag_run")
    due = getattr(dag_run, "run_after", None) or end or context.get("logical_date")
    if due is None:
        raise ValueError("cannot tell the business date: no param, asset event or data interval")
    return due.astimezone(zone).date() - dt.timedelta(days=1)


def _fail_once_for_testing(context: Mapping[str, Any]) -> None:
    """Raise on the first try of the task named by the ledger_audit_test_fail_once Variable."""
    target = _variable(VAR_FAIL_ONCE)
    ti = context.get("ti")
    if target and ti is not None and target == ti.task_id and ti.try_number == 1:
        raise RuntimeError(f"{VAR_FAIL_ONCE}={target}: failing the first try on purpose")


def run_step(step: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Run one step of the night (ledger_audit.pipeline) for the run's business date."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; steps are {', '.join(STEPS)}")
    _fail_once_for_testing(context)
    from ledger_audit import pipeline

    where = settings()
    config = where.config()
    business_date = business_date_of(context, config.platform.timezone)
    if step == "publish":
        result = _publish_for(pipeline, where.warehouse, business_date)
        outlet_events = context.get("outlet_events")
        if outlet_events is not None:
            outlet_events[WAREHOUSE_ASSET].extra = {
                "business_date": business_date.isoformat(),
                "warehouse": str(where.warehouse),
            }
        return result
    run = {"load": pipeline.load, "validate": pipeline.validate, "audit": pipeline.audit}[step]
    return run(where.landing, where.warehouse, business_date, config)


def build_reports(context: Mapping[str, Any]) -> dict[str, Any]:
    """Both report packs for the run's business date from the just-published warehouse, into
    `<reports>/<date>/` (reports.build.build_packs, as `ledger-audit report`)."""
    _fail_once_for_testing(context)
    from reports.build import build_packs

    where = settings()
    config = where.config()
    day = business_date_of(context, config.platform.timezone)
    built = build_packs(where.warehouse, day, where.reports, config)
    return {"business_date": day.isoformat(), "folder": str(built.folder),
            "packs": {name: str(p.eml) for name, p in built.packs.items()},
            "seconds": {k: round(v, 2) for k, v in built.timings.items()}}


def smtp_server(conn_id: str = SMTP_CONN_ID):
    """The Airflow SMTP connection as a reports.send.Server, read the way the SMTP provider
    reads it: extra `disable_ssl` false means implicit TLS, else `disable_tls` false STARTTLS."""
    from airflow.sdk import Connection

    from reports.send import Server

    conn = Connection.get(conn_id)
    extra = conn.extra_dejson or {}
    if not extra.get("disable_ssl", False):
        security = "tls"
    elif not extra.get("disable_tls", False):
        security = "starttls"
    else:
        security = "none"
    port = conn.port or (465 if security == "tls" else 587 if security == "starttls" else 25)
    return Server(conn.host, int(port), security, conn.login or None, conn.password or None,
                  float(extra.get("timeout", 30)))


def send_reports(context: Mapping[str, Any]) -> dict[str, Any]:
    """Mail the packs build_reports made, once per date (the delivery record beside them).
    One attempt per try: Airflow's retries are the back-off, and each retry alerts on-call.
    Never touches the warehouse, so a failed send cannot republish it."""
    _fail_once_for_testing(context)
    from reports.send import send_packs

    where = settings()
    config = where.config()
    day = business_date_of(context, config.platform.timezone)
    done = send_packs(where.reports / day.isoformat(), smtp_server(), attempts=1)
    return {"business_date": day.isoformat(), "sent": done}


def _publish_for(pipeline, warehouse: Path, business_date: dt.date) -> dict[str, Any]:
    """publish, refusing to put another night's build in place (a cleared publish task whose
    audit was since redone for another date) or to pass when this night was never built."""
    from core.errors import AuditError
    from ledger_audit.publish import WarehousePaths, built_date

    day = business_date.isoformat()
    waiting = WarehousePaths(warehouse).next
    if waiting.exists() and built_date(waiting) not in (day, None):
        raise AuditError(f"{waiting} was built for {built_date(waiting)}, not {day}: "
                         "clear this run from its load task")
    result = pipeline.publish(warehouse)
    if not result.get("published") and result.get("business_date") != day:
        raise AuditError(f"nothing built for {day} is waiting to publish and {warehouse} holds "
                         f"{result.get('business_date')}: clear this run from its load task")
    return result


def oncall_recipients() -> list[str]:
    """The on-call addresses: the Variable (comma-separated), else the config's email.oncall_to."""
    listed = _variable(VAR_ONCALL_TO)
    if listed:
        return [a.strip() for a in listed.split(",") if a.strip()]
    return list(settings().config().email.oncall_to)


def oncall_error(exc: BaseException | str | None) -> str:
    """The error for an on-call e-mail: its first line, at most 300 characters, cut before any
    line of a landing file that a reader quoted (DuckDB's "Original Line: ..."), so rows of the
    landing zone never travel by e-mail. The template escapes it."""
    if exc is None:
        return "(no exception)"
    text = str(exc) if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    first = first.split("Original Line:")[0].strip(" :|")
    return first[:300] + ("..." if len(first) > 300 else "")


class OncallNotifier(SmtpNotifier):
    """E-mails on-call through the `smtp_default` connection that a task `failed` or is
    `retrying`. Recipients and sender are resolved when it fires, not at parse time."""

    def __init__(self, event: str = "failed") -> None:
        self.event = event
        super().__init__(
            to=[],
            smtp_conn_id="smtp_default",
            subject="[ledger-audit] {{ dag.dag_id }}.{{ ti.task_id }} " + event
            + " (try {{ ti.try_number }}) run {{ run_id }}",
            # every value is escaped (`| e`): a run id, a file name or an error text may hold
            # markup; the error is oncall_error, one line without file content (render_...)
            html_content=(
                "<p>Task <b>{{ ti.task_id | e }}</b> of <b>{{ dag.dag_id | e }}</b> " + event
                + " on try {{ ti.try_number | e }}, run {{ run_id | e }}.</p>"
                "<p>Error: <code>{{ oncall_error | e }}</code></p>"
                "<p>The published warehouse changes only when publish succeeds;"
                " clearing the failed task re-runs the day safely.</p>"
            ),
        )

    def render_template_fields(self, context, jinja_env=None) -> None:
        context["oncall_error"] = oncall_error(context.get("exception"))
        super().render_template_fields(context, jinja_env)

    def notify(self, context):
        self.to = oncall_recipients()
        if self.from_email is None:
            self.from_email = settings().config().email.sender
        return super().notify(context)
