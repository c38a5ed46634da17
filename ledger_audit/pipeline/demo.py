"""`ledger-audit demo`: a generated landing zone, its night, and where everything is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.config import Config
from core.errors import AuditError
from ledger_audit.pipeline.progress import rich_progress
from ledger_audit.pipeline.step_audit import audit
from ledger_audit.pipeline.step_load import load
from ledger_audit.pipeline.step_publish import publish
from ledger_audit.pipeline.step_validate import validate
from ledger_audit.publish import WarehousePaths
from transforms.sources import SOURCES

DEMO_END = dt.date(2026, 11, 20)


def run_demo(out: str | Path, accounts: int = 2000, days: int = 45, seed: int = 7,
             end: dt.date = DEMO_END) -> dict:
    """Generate a demo landing zone under `out`, run the night for its last date, print where
    everything is. Returns the paths and the run's summary."""
    from rich.console import Console
    from rich.table import Table

    try:
        from ledger_audit.generate import generate
    except ImportError as exc:
        raise AuditError(f"the demo generator is not available: {exc}") from None

    out = Path(out)
    landing, warehouse = out / "landing", out / "warehouse.duckdb"
    paths = WarehousePaths(warehouse)
    config = Config()
    with rich_progress() as progress:
        progress(f"generating {accounts:,} accounts x {days} days", 0, 0)
        generate(landing, accounts=accounts, days=days, seed=seed, end=end, usage_rows=None)
        loaded = load(landing, warehouse, end, config, progress=progress)
        progress("validating the new partitions (Great Expectations)", 0, 0)
        checked = validate(landing, warehouse, end, config)
        progress("building the warehouse and running the rules", 0, 0)
        audited = audit(landing, warehouse, end, config)
        published = publish(warehouse)
        progress("building the finance and legal packs", 0, 0)
        from reports.build import build_packs

        built = build_packs(warehouse, end, out / "outbox", config)

    out_console = Console()
    table = Table(title=f"ledger-audit demo, business date {end}", title_justify="left")
    for col in ("source", "files", "rows read", "loaded", "duplicates", "quarantined"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for s in SOURCES:
        v = audited["sources"].get(s)
        if v:
            table.add_row(s, *(f"{v[k]:,}" for k in ("files", "rows_read", "rows_loaded",
                                                      "rows_duplicate", "rows_quarantined")))
    out_console.print(table)
    if audited["violations"]:
        vt = Table(title=f"violations: {sum(audited['violations'].values()):,}", title_justify="left")
        vt.add_column("rule")
        vt.add_column("count", justify="right")
        for rule, n in audited["violations"].items():
            vt.add_row(rule, f"{n:,}")
        out_console.print(vt)
    for w in checked["warnings"] + audited["warnings"]:
        out_console.print(f"[yellow]warning:[/] {w}")
    where = {"landing": landing, "warehouse": warehouse, "lake": paths.lake,
             "data docs": paths.docs / "index.html",
             "quality": built.folder / "data-quality.html",
             "outbox": built.folder}
    for k, v in where.items():
        out_console.print(f"{k:>10}: {v}", soft_wrap=True, highlight=False)
    for pack in built.packs.values():
        out_console.print(f"{pack.name:>10}: {pack.eml} ({', '.join(f.name for f in pack.files[:-1])})",
                          soft_wrap=True, highlight=False)
    # the README's prefix: the demo is run as `./dev ledger-audit demo` from the repository
    out_console.print(f"try: ./dev ledger-audit sql --warehouse {warehouse} --tables",
                      soft_wrap=True, highlight=False)
    return {"loaded": loaded, "validated": checked, "audited": audited, "published": published,
            "paths": {k: str(v) for k, v in where.items()},
            "reports": {name: str(p.eml) for name, p in built.packs.items()}}
