"""The whole night: the four steps in order, as `ledger-audit run` calls them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.config import Config
from ledger_audit.pipeline.progress import Progress
from ledger_audit.pipeline.step_audit import audit
from ledger_audit.pipeline.step_load import load
from ledger_audit.pipeline.step_publish import publish
from ledger_audit.pipeline.step_validate import validate
from ledger_audit.pipeline.summary import format_summary


def run_night(landing: str | Path, warehouse: str | Path, business_date: dt.date,
              config: Config | None = None, progress: Progress | None = None) -> str:
    """load, validate, audit, publish; returns a short printable summary."""
    config = config or Config()
    loaded = load(landing, warehouse, business_date, config, progress=progress)
    if progress:
        progress("validating the new partitions (Great Expectations)", 0, 0)
    checked = validate(landing, warehouse, business_date, config)
    if progress:
        progress("building the warehouse and running the rules", 0, 0)
    audited = audit(landing, warehouse, business_date, config)
    published = publish(warehouse)
    return format_summary(loaded, checked, audited, published)
