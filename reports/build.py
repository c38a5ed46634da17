"""Build both packs for a business date from the published warehouse into `<out>/<date>/`:

    finance.html  finance.eml  finance-trend.png  finance.xlsx
    legal.html    legal.eml    legal.pdf          legal.xlsx
    data-quality.html          (the night's validation results, readable offline)
    <pack>-<sheet>.csv         (a whole table whose sheet was cut at [reports] max_sheet_rows)

Reads the warehouse read-only (it can run while analysts query it). Every frame passes
through reports.safety.protect before anything is rendered. `ledger-audit report`, the demo
and the Airflow task `build_reports` all call `build_packs`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import duckdb
import polars as pl

from core.config import Config
from core.db import AuditContext, connect
from core.errors import AuditError
from reports import finance, layout, legal, quality, render, safety
from reports.db import frame

# mail servers commonly refuse messages over 10 MB; attachments that would pass it stay on disk
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
REASONS = {
    "indirect_damage": "indirect damage: not covered (Zhipu §9.3)",
    "exempt_cause": "exempt cause: no liability (Zhipu §9.2)",
    "not_platform_fault": "not a platform fault: nothing eligible",
    "cap_reached": "cap reached: fees of the service in breach (Zhipu §9.5)",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Pack:
    name: str  # finance | legal
    subject: str
    recipients: tuple[str, ...]
    eml: Path
    files: list[Path]


@dataclass
class Built:
    folder: Path
    packs: dict[str, Pack]
    timings: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"reports for {self.folder.name} in {self.folder}"]
        for p in self.packs.values():
            lines.append(f"  {p.name}: {', '.join(f.name for f in p.files)} -> {', '.join(p.recipients)}")
        return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class _Timer:
    def __init__(self) -> None:
        self.t: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Span:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timer.t[name] = timer.t.get(name, 0.0) + time.perf_counter() - self.start

        return _Span()


def _published_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    try:
        return con.execute("SELECT max(business_date) FROM meta.run").fetchall()[0][0]
    except duckdb.Error:
        return None


def _sheet_frames(con, pack: str, sheets: list[finance.Sheet], cap: int, folder: Path,
                  evidence_cols: tuple[str, ...] = ("evidence",)) -> tuple[list, list[str]]:
    """Each sheet's first `cap` rows (masked, evidence laid out as text) and notes for the
    summary; a longer table is written whole, masked and CSV-safe, beside the packs."""
    out, notes = [], []
    for s in sheets:
        total = con.execute(f"SELECT count(*) FROM ({s.sql})", s.params).fetchall()[0][0]
        shown = safety.protect(frame(con, f"SELECT * FROM ({s.sql}) LIMIT {int(cap)}", s.params))
        shown = _readable(shown, evidence_cols)
        if total > cap:
            csv = folder / f"{pack}-{_slug(s.title)}.csv"
            whole = safety.protect(frame(con, s.sql, s.params))
            safety.csv_safe(_readable(whole, evidence_cols, whole_table=True)).write_csv(csv)
            notes.append(f"{s.title}: {total:,} rows; the sheet holds the first {cap:,}, "
                         f"all of them are in {csv.name} beside this pack ({csv.parent}).")
        out.append((s, shown, total))
    return out, notes


def _readable(frame: pl.DataFrame, evidence_cols: tuple[str, ...], whole_table: bool = False
              ) -> pl.DataFrame:
    """Evidence JSON and identity links as sentences (only on the rows a sheet shows; the
    whole-table CSV keeps the JSON, which is what an analyst loads)."""
    if whole_table:
        return frame
    cols = {}
    for c in frame.columns:
        if c in evidence_cols:
            cols[c] = pl.Series(c, [layout.evidence_text(v) for v in frame[c].to_list()],
                                dtype=pl.String)
        elif c == "linked by":
            cols[c] = pl.Series(c, [layout.links_text(v) for v in frame[c].to_list()],
                                dtype=pl.String)
    return frame.with_columns(**cols) if cols else frame


def _workbook(path: Path, title: str, summary_rows: list[list], notes: list[str],
              frames: list, money_cols: set[int] = frozenset({1, 2, 3})) -> None:
    book = render.Workbook(path)
    book.summary(title, summary_rows, notes, set(money_cols))
    for s, shown, _ in frames:
        book.table(s.title, shown, s.money, wrap=tuple(c for c in ("clause", "evidence", "linked by")
                                                       if c in shown.columns))
    book.close()


def _message(sender: str, to: tuple[str, ...], subject: str, html: str, text: str,
             inline: dict[str, bytes], attachments: list[Path], folder: Path,
             notes: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Message-ID"] = make_msgid(domain="ledger-audit")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, png in inline.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>",
                              disposition="inline", filename=f"{cid}.png")
    for path in attachments:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            msg.add_attachment(data, maintype="application", subtype="pdf", filename=path.name)
        else:
            maintype, subtype = XLSX.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def _fit(attachments: list[Path], budget: int) -> tuple[list[Path], list[str]]:
    """Attachments in order while they fit the message budget (base64 grows them by 4/3)."""
    kept, notes, used = [], [], 0
    for a in attachments:
        size = a.stat().st_size * 4 // 3 + 1024
        if used + size <= budget:
            kept.append(a)
            used += size
        else:
            notes.append(f"{a.name} ({a.stat().st_size / 1e6:.1f} MB) is too large to e-mail: "
                         f"it is at {a}.")
    return kept, notes


def _text_version(title: str, lines: list[str]) -> str:
    return "\n".join([title, "", *lines, "",
                      "The HTML version of this message has the tables and the chart."])


def build_packs(warehouse: str | Path, day: dt.date, out: str | Path,
                config: Config | None = None, docs: str | Path | None = None) -> Built:
    """Both packs for `day` into `<out>/<day>/`; returns where they are and the timings."""
    config = config or Config()
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise AuditError(f"no warehouse at {warehouse}")
    folder = Path(out) / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    timer = _Timer()
    cap = config.reports.max_sheet_rows
    con = connect(warehouse, AuditContext(day, config), read_only=True)
    try:
        published = _published_date(con)
        if published != day:
            raise AuditError(f"{warehouse} holds the night of {published}, not {day}: "
                             f"run `ledger-audit run --date {day}` first")
        with timer("finance: queries"):
            fin = finance.query(con, day, config.reports.top_items)
            fin_frames, fin_notes = _sheet_frames(con, "finance", fin.sheets, cap, folder)
        with timer("legal: queries"):
            leg = legal.query(con, day, config.reports.pdf_max_per_rule)
            leg_frames, leg_notes = _sheet_frames(con, "legal", leg.sheets, cap, folder)
            leg.violations = safety.protect(leg.violations)
            leg.clusters = safety.protect(leg.clusters)
            leg.gone = safety.protect(leg.gone)
            leg.caps = safety.protect(leg.caps)
            leg.suspicious_topups = safety.protect(leg.suspicious_topups)
            fin.top_breaks = safety.protect(fin.top_breaks)
            fin.top_refundable = safety.protect(fin.top_refundable)
    finally:
        con.close()

    email = config.email
    packs = {}
    # the chart renders in vl-convert's own runtime, outside the GIL: draw it while the
    # workbook and the PDF are laid out
    pool = ThreadPoolExecutor(max_workers=1)
    started = time.perf_counter()
    drawing = pool.submit(render.trend_chart, fin.trend)
    with timer("finance: xlsx"):
        fin_xlsx = folder / "finance.xlsx"
        rows = [["figure", str(day), str(day - dt.timedelta(days=1)), "change", "basis"]]
        rows += [[h.label, h.value, h.previous, h.change, h.note] for h in fin.headlines]
        _workbook(fin_xlsx, f"Finance pack, business date {day} (CNY)", rows, fin_notes,
                  fin_frames)
    with timer("legal: pdf"):
        by_rule = leg.by_rule.to_dicts()
        totals = {k: sum(r[k] for r in by_rule) if by_rule else 0 for k in
                  ("new_n", "new_amount", "open_n", "open_amount", "gone_n", "gone_amount")}
        caps = leg.caps.to_dicts()
        for c in caps:
            c["reason_words"] = REASONS.get(c["reason"], c["reason"] or "")
        rules = []
        n_by_rule = {r["rule_id"]: (r["new_n"] + r["open_n"], r["new_amount"] + r["open_amount"])
                     for r in by_rule}
        items = leg.violations.to_dicts()
        for rule_id in sorted({v["rule_id"] for v in items}):
            mine = [v for v in items if v["rule_id"] == rule_id]
            n, amount = n_by_rule.get(rule_id, (len(mine), Decimal(0)))
            rules.append({"rule_id": rule_id, "severity": mine[0]["severity"],
                          "clause": mine[0]["clause"], "items": mine, "n": n, "amount": amount,
                          "more": max(0, n - len(mine))})
        # the PDF lays out the largest clusters; every member is in the XLSX
        clusters, members = [], leg.clusters.head(config.reports.max_sheet_rows).to_dicts()
        for m in members:
            if not clusters or clusters[-1]["cluster"] != m["cluster"]:
                clusters.append({"cluster": m["cluster"], "size": m["size"], "members": []})
            clusters[-1]["members"].append(m)
        shown = clusters[:200]
        doc = render.html("legal_report.html.j2", "legal PDF", day=day,
                          previous=leg.previous_night, totals=totals, by_rule=by_rule,
                          rules=rules, gone=leg.gone.head(2000).to_dicts(), caps=caps,
                          clusters=shown, clusters_more=max(0, len(clusters) - len(shown)),
                          cluster_accounts=leg.clusters.height,
                          topups=leg.suspicious_topups.head(2000).to_dicts())
        pdf = folder / "legal.pdf"
        pdf.write_bytes(render.pdf(doc, folder))
    with timer("legal: xlsx"):
        xlsx = folder / "legal.xlsx"
        rows = [["rule", "new", "new at stake", "still open", "open at stake", "no longer seen",
                 "no longer at stake"]]
        rows += [[r["rule_id"], r["new_n"], r["new_amount"], r["open_n"], r["open_amount"],
                  r["gone_n"], r["gone_amount"]] for r in by_rule]
        _workbook(xlsx, f"Legal pack, business date {day} (CNY)", rows,
                  [f"Compared with the run of {leg.previous_night}." if leg.previous_night
                   else "First run: everything is new."] + leg_notes, leg_frames,
                  money_cols={2, 4, 6})
    with timer("finance: chart (waiting for it)"):
        chart = drawing.result()
        pool.shutdown()
        (folder / "finance-trend.png").write_bytes(chart)
    timer.t["finance: chart (drawn alongside)"] = time.perf_counter() - started
    with timer("finance: html + message"):
        attach, too_big = _fit([fin_xlsx], MAX_MESSAGE_BYTES - len(chart) * 4 // 3 - 200_000)
        notes = fin_notes + too_big
        # under 78 characters with "Subject: ", so no mail client shows it folded
        deferred = next(h.value for h in fin.headlines if h.key == "deferred_revenue")
        subject = f"[ledger-audit] Finance {day}: deferred revenue {layout.plain(deferred)} CNY"
        ctx = {"subject": subject, "day": day, "day_before": day - dt.timedelta(days=1),
               "headlines": fin.headlines, "top_breaks": fin.top_breaks.to_dicts(),
               "top_refundable": fin.top_refundable.to_dicts(), "notes": notes,
               "attachments": [a.name for a in attach] or ["nothing (see notes)"]}
        (folder / "finance.html").write_text(
            render.html("finance_email.html.j2", "finance.html", chart_src="finance-trend.png",
                        **ctx), encoding="utf-8")
        page = render.html("finance_email.html.j2", "finance e-mail", chart_src="cid:trend", **ctx)
        text = _text_version(subject, [
            f"{h.label}: " + (layout.money(h.value) if h.kind == "money" else layout.count(h.value))
            + f" ({layout.signed_money(h.change) if h.kind == 'money' else layout.signed_count(h.change)})"
            for h in fin.headlines] + notes)
        msg = _message(email.sender, email.finance_to, subject, page, text, {"trend": chart},
                       attach, folder, notes)
        eml = folder / "finance.eml"
        eml.write_bytes(bytes(msg))
        packs["finance"] = Pack("finance", subject, email.finance_to, eml,
                                [folder / "finance.html", fin_xlsx, folder / "finance-trend.png",
                                 eml])

    with timer("legal: html + message"):
        attach, too_big = _fit([pdf, xlsx], MAX_MESSAGE_BYTES - 200_000)
        notes = leg_notes + too_big
        subject = (f"[ledger-audit] Legal {day}: {totals['new_n']:,} new, "
                   f"{totals['open_n']:,} open, {totals['gone_n']:,} no longer seen")
        new_items = sorted((v for v in items if v["status"] == "new"),
                           key=lambda v: (-v["amount_at_stake"], v["rule_id"], v["subject_id"]))
        top = config.reports.top_items
        page = render.html("legal_email.html.j2", "legal e-mail", subject=subject, day=day,
                           previous=leg.previous_night, totals=totals, by_rule=by_rule,
                           claims_unpaid=sum(1 for c in caps if c["payable"] == 0),
                           new_items=new_items[:top], more_new=max(0, totals["new_n"] - top),
                           notes=notes, attachments=[a.name for a in attach] or ["nothing (see notes)"])
        (folder / "legal.html").write_text(page, encoding="utf-8")
        text = _text_version(subject, [
            f"{r['rule_id']}: {r['new_n']} new, {r['open_n']} still open, {r['gone_n']} no longer seen"
            for r in by_rule] + notes)
        msg = _message(email.sender, email.legal_to, subject, page, text, {}, attach, folder, notes)
        eml = folder / "legal.eml"
        eml.write_bytes(bytes(msg))
        packs["legal"] = Pack("legal", subject, email.legal_to, eml,
                              [folder / "legal.html", pdf, xlsx, eml])
    with timer("data quality page"):
        gx = Path(docs) if docs else warehouse.with_suffix(".gx")
        quality.write_page(gx, folder / "data-quality.html", day)
    return Built(folder, packs, timer.t)
