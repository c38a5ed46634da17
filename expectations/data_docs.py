"""The SQL checks' own Data Docs page (`sql_checks_<slug>.html`), hand-written HTML beside the
GX site, linked from the GX index: GX has no page for checks it did not run."""

from __future__ import annotations

import datetime as dt
import html
import pathlib

from expectations.findings import SqlOutcome


def write_sql_page(docs_dir: pathlib.Path, slug: str, outcomes: list[SqlOutcome]) -> None:
    docs_dir.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(
        f"<tr class='{o.status}'><td>{html.escape(o.table)}</td><td>{html.escape(o.check)}</td>"
        f"<td>{o.level}</td><td>{o.status}</td><td>{html.escape(o.detail)}</td></tr>"
        for o in outcomes
    )
    page = (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape('SQL checks: ' + slug)}</title>"
        "<style>td{padding:2px 8px}.failed{background:#fdd}.skipped{color:#888}</style>"
        f"<h1>{html.escape('SQL checks: ' + slug)}</h1><p>Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}."
        " Row-level expectations: <a href='index.html'>Great Expectations Data Docs</a>.</p>"
        "<table><tr><th>table</th><th>check</th><th>level</th><th>status</th><th>detail</th></tr>"
        f"{rows}</table>"
    )
    (docs_dir / f"sql_checks_{slug}.html").write_text(page, encoding="utf-8")
    index = docs_dir / "index.html"
    if index.exists():  # link the SQL pages from the GX index
        links = " · ".join(
            f"<a href='{p.name}'>SQL checks: {p.stem[len('sql_checks_') :]}</a>"
            for p in sorted(docs_dir.glob("sql_checks_*.html"))
        )
        text = index.read_text(encoding="utf-8")
        if "<body>" in text and "sql_checks_" not in text:
            text = text.replace(
                "<body>", f"<body><div style='padding:4px 16px'>{links}</div>", 1
            )
            index.write_text(text, encoding="utf-8")
