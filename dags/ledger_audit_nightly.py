"""
### ledger_audit_nightly

The nightly audit of one business date: **load → validate → audit → publish**, the same
`ledger_audit.pipeline` functions as `ledger-audit run`; then **build_reports → send**: the
finance and legal packs, as `ledger-audit report --send`.

- **Business date**: the day the run's data interval covers in the platform time zone
  (Asia/Shanghai); the run starts when that day closes. A manual run may name it with the
  `business_date` param (YYYY-MM-DD).
- **Publishes** the asset `ledger_audit_warehouse` (extra: business date, warehouse path) so
  report DAGs can be data-aware. The published warehouse changes only in `publish`, atomically:
  a failed night leaves it as it was, and clearing a day re-runs it safely.
- **One run at a time**; backfill with `--max-active-runs 1`.
- Where data lives, on-call address: Airflow Variables `ledger_audit_*` (docs/airflow.md).
- Retries with back-off on every task; on-call is e-mailed on each retry and failure
  through the `smtp_default` connection. The packs go through the same connection; a
  failed `send` is retried alone and never republishes the warehouse.
"""

from airflow.sdk import dag, get_current_context, task

from ledger_audit.airflow_support import (
    WAREHOUSE_ASSET,
    build_reports,
    dag_kwargs,
    run_step,
    send_reports,
)


@dag(**dag_kwargs(doc_md=__doc__))
def ledger_audit_nightly():
    @task
    def load():
        return run_step("load", get_current_context())

    @task
    def validate():
        return run_step("validate", get_current_context())

    @task
    def audit():
        return run_step("audit", get_current_context())

    @task(outlets=[WAREHOUSE_ASSET])
    def publish():
        return run_step("publish", get_current_context())

    @task(task_id="build_reports")
    def build():
        return build_reports(get_current_context())

    @task
    def send():
        return send_reports(get_current_context())

    load() >> validate() >> audit() >> publish() >> build() >> send()


ledger_audit_nightly()
