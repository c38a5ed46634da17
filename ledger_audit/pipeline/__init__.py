"""The night, in four steps that `ledger-audit run`, `demo` and the Airflow DAG all call.

    load      landing files with dt <= D that are new -> the lake (transforms/landing/)
    validate  Great Expectations on the new partitions (expectations.validate_sources)
    audit     the next warehouse beside the published one: staging views, load_audit,
              quarantine, intermediate, marts, violations; then expectations.validate_marts
    publish   os.replace the next warehouse onto the published one (ledger_audit/publish.py)

The DAG runs each step as its own task in its own process, so everything a later step needs is
on disk (`<lake>/_loads/D.json`, `<warehouse>.next`), each step can be re-run, and every step
returns a JSON-able dict (it goes through XCom). A failure before publish leaves the published
warehouse as it was.

One module per concern: `step_load`, `step_validate`, `step_audit`, `step_publish` (the steps),
`handover` (what a step leaves on disk for the next), `night` (the four in order), `summary`
(the printed summary), `progress` (the progress bar) and `demo` (`ledger-audit demo`).
"""

from ledger_audit.pipeline.demo import DEMO_END, run_demo
from ledger_audit.pipeline.night import run_night
from ledger_audit.pipeline.progress import Progress, rich_progress
from ledger_audit.pipeline.step_audit import audit
from ledger_audit.pipeline.step_load import load
from ledger_audit.pipeline.step_publish import publish
from ledger_audit.pipeline.step_validate import validate
from ledger_audit.pipeline.summary import format_summary

__all__ = [
    "DEMO_END", "Progress", "audit", "format_summary", "load", "publish", "rich_progress",
    "run_demo", "run_night", "validate",
]
