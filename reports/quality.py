"""The night's data-quality results as one page that opens offline.

Great Expectations' Data Docs pull their styles and scripts from CDNs and render blank without
the internet. This page reads the validation results GX stored beside the warehouse
(`<warehouse>.gx/_results/**.json`), keeps the latest run of each table, and lays them out with
inline CSS only. Sample values are masked like everything else in a pack.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from reports import render, safety


def latest_results(gx: Path) -> list[dict]:
    """The newest validation result of each table: {table, time, success, checks: [...]}."""
    newest: dict[str, dict] = {}
    for path in sorted((gx / "_results").rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        meta = data.get("meta") or {}
        table = ((meta.get("active_batch_definition") or {}).get("data_asset_name")
                 or data.get("suite_name") or path.parent.name)
        when = meta.get("validation_time") or (meta.get("run_id") or {}).get("run_time") or ""
        if table in newest and newest[table]["time"] >= when:
            continue
        checks = []
        for r in data.get("results") or []:
            cfg = r.get("expectation_config") or {}
            kwargs = cfg.get("kwargs") or {}
            res = r.get("result") or {}
            sample = [str(safety.protect_value(str(kwargs.get("column", "")), v))
                      for v in (res.get("partial_unexpected_list") or [])[:5]]
            checks.append({
                "expectation": cfg.get("type", ""),
                "column": kwargs.get("column") or ", ".join(
                    str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs),
                "severity": cfg.get("severity", ""),
                "success": bool(r.get("success")),
                "unexpected": res.get("unexpected_count"),
                "checked": res.get("element_count"),
                "sample": ", ".join(sample),
            })
        newest[table] = {"table": table, "time": when, "success": bool(data.get("success")),
                         "checks": checks}
    return [newest[k] for k in sorted(newest)]


def write_page(gx: Path, path: Path, day: dt.date) -> Path:
    results = latest_results(gx) if gx.exists() else []
    sql_pages = sorted(p.name for p in gx.glob("sql_checks_*.html")) if gx.exists() else []
    page = render.html("data_quality.html.j2", "data-quality page", day=day, results=results,
                       gx=str(gx), sql_pages=sql_pages,
                       failed=sum(1 for r in results for c in r["checks"] if not c["success"]))
    path.write_text(page, encoding="utf-8")
    return path
