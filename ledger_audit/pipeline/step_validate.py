"""The validate step: Great Expectations on the partitions this night's load added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.config import Config
from core.db import AuditContext, connect
from expectations import preload, validate_sources
from ledger_audit.pipeline.handover import read_load_state
from ledger_audit.publish import WarehousePaths
from transforms.changes import fingerprint
from transforms.staging.stg_sources import published_catalog, stage


def validate(landing: str | Path, warehouse: str | Path, business_date: dt.date,
             config: Config | None = None) -> dict:
    """Great Expectations on the partitions this night's load added; raises ValidationFailed."""
    config = config or Config()
    paths = WarehousePaths(Path(warehouse))
    state = read_load_state(paths, business_date)
    new = set(state["new"])
    partitions = sorted({(e.source, e.dt) for e in state["entries"] if e.file in new})
    warnings: list[str] = []
    if partitions:
        preload()  # GX's import overlaps the staging of the new files
        ctx = AuditContext(business_date, config)
        con = connect(None, ctx)
        try:
            # the new files' rows, duplicates judged against everything loaded before
            if paths.warehouse.exists():
                con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(paths.warehouse)})
            stage(con, state["entries"], paths.lake, views_of=new, previous=published_catalog(con),
                  fingerprint=fingerprint(ctx), verdicts=paths.verdicts(business_date))
            days = [(s, dt.date.fromisoformat(d)) for s, d in partitions]
            # the Data Docs index: rebuilt by the marts' validation (or here if a check fails)
            warnings += list(validate_sources(con, days, paths.docs, index=False) or [])
        finally:
            con.close()
    return {"business_date": business_date.isoformat(),
            "partitions": [list(p) for p in partitions], "warnings": warnings}
