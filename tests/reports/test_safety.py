"""Safe to forward: planted formula and script injections in a buyer name and an account's real
name arrive inert in the XLSX (text cells), the PDF and the HTML; no account's real name,
e-mail address or street address from the warehouse appears anywhere in what is mailed."""

from __future__ import annotations

import html as htmllib
import re

import duckdb
import polars as pl
import pytest
from packs import PAYLOADS, parts, pdf_text, read_eml, xlsx_cells

from reports import safety


def everything_mailed(built) -> dict[str, str]:
    """Every text a recipient gets: both messages' HTML and text, the PDF's text, every XLSX
    cell, and the packs' files on disk."""
    out = {}
    for name, pack in built.packs.items():
        p = parts(read_eml(pack.eml))
        out[f"{name} html"] = p["html"]
        out[f"{name} text"] = p["text"]
        for filename, data in p["attachments"].items():
            if filename.endswith(".pdf"):
                out[filename] = pdf_text(data)[1]
            elif filename.endswith(".xlsx"):
                out[filename] = "\n".join(
                    str(c.value) for rows in xlsx_cells(data).values() for r in rows for c in r
                    if c.value is not None)
    for f in built.folder.iterdir():
        if f.suffix in (".html", ".csv", ".eml"):
            out[f.name] = f.read_text(encoding="utf-8", errors="replace")
    return out


def test_planted_injections_arrive_masked_and_inert(built):
    texts = everything_mailed(built)
    for where, text in texts.items():
        for payload in PAYLOADS:
            assert payload not in text, f"{payload!r} reached {where} unmasked"
            assert htmllib.escape(payload) not in text, f"{payload!r} reached {where}"
        assert "<script" not in text.lower() or where.endswith(".eml"), where
        assert "HYPERLINK" not in text and "alert(1)" not in text, where

    # HTML: the masked names are escaped text, never markup
    legal_html = texts["legal html"]
    assert "&lt;***" in legal_html and "<***" not in legal_html

    # XLSX: the holder and the buyer name are text cells; formula-like ones keep Excel's quote
    # prefix so that editing the cell does not turn it into a formula
    legal = xlsx_cells(parts(read_eml(built.packs["legal"].eml))["attachments"]["legal.xlsx"])
    head = [c.value for c in legal["Violations"][0]]
    holder, evidence = head.index("holder"), head.index("evidence")
    planted = [r for r in legal["Violations"][1:] if str(r[head.index("account")].value).startswith("X")]
    assert len(planted) == 12  # 4 minors, 4 invoices without proof, 4 invoiced before consumed
    seen = set()
    for row in planted:
        cell = row[holder]
        assert cell.data_type == "s", (cell.value, cell.data_type)
        seen.add(cell.value)
        if cell.value[0] in "=+-@":
            assert cell.quotePrefix, cell.value
        assert row[evidence].data_type == "s"
    assert seen == {"=***", "+***", "@***", "<***"}
    ev = " ".join(str(r[evidence].value) for r in planted)
    assert "Buyer name: =***" in ev and "Buyer name: <***" in ev

    # PDF: the masked holders are there as plain text
    pdf = texts["legal.pdf"]
    for masked in ("=***", "+***", "@***", "<***"):
        assert masked in pdf


def test_no_real_name_email_or_address_from_the_warehouse_is_mailed(built, warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        people = con.execute(
            "SELECT DISTINCT v FROM (SELECT unnest([real_name, email, address, enterprise_name]) AS v"
            " FROM staging.accounts) WHERE length(v) >= 2").fetchall()
        buyers = con.execute("SELECT DISTINCT buyer_name FROM staging.invoices"
                             " WHERE length(buyer_name) >= 2").fetchall()
        clauses = " ".join(r[0] for r in con.execute(
            "SELECT DISTINCT clause FROM marts.violations").fetchall())
    finally:
        con.close()
    secrets = {v for (v,) in people + buyers} 
    # a two-character name could occur inside a clause's Chinese text by chance
    secrets = {s for s in secrets if s not in clauses}
    assert len(secrets) > 50
    texts = everything_mailed(built)
    for where, text in texts.items():
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{where} holds personal data: {leaked[:5]}"


def test_protect_masks_personal_columns_and_free_text():
    frame = pl.DataFrame({
        "real_name": ["张三丰", None, ""],
        "holder name": ["李四", "Alice", "x"],
        "note": ["call +86 138-1234-5678 or mail a.b@example.co.uk", "nothing", None],
        "evidence": ['{"buyer_name":"深圳某公司","amount":1.00}', '{"buyer_email":"q@x.com"}', None],
        "topup_id": ["PT1", "PT2", "PT3"],
    })
    result = safety.protect(frame)
    expected = pl.DataFrame({
        "real_name": ["张***", None, ""],
        "holder name": ["李***", "A***", "x***"],
        "note": ["call *** or mail ***@***", "nothing", None],
        "evidence": ['{"buyer_name":"深***","amount":1.00}', '{"buyer_email":"q***"}', None],
        "topup_id": ["PT1", "PT2", "PT3"],
    })
    assert result.to_dicts() == expected.to_dicts()


def test_csv_cells_that_a_spreadsheet_would_evaluate_get_an_apostrophe():
    frame = pl.DataFrame({"a": ["=1+1", "+x", "-2", "@c", "\tt", "ok"], "n": [1, 2, 3, 4, 5, 6]})
    assert safety.csv_safe(frame)["a"].to_list() == ["'=1+1", "'+x", "'-2", "'@c", "'\tt", "ok"]


@pytest.mark.parametrize("bad", [
    '<script>alert(1)</script>', '<img src="https://x.example/p.png">',
    "<div style=\"background:url('//cdn.example/x.png')\">", '<link rel="stylesheet" href="x">',
    "<style>@import 'x.css';</style>"])
def test_html_that_would_load_or_run_anything_is_refused(bad):
    with pytest.raises(safety.UnsafeHtml):
        safety.assert_offline(f"<html><body>{bad}</body></html>", "test")


def test_every_template_autoescapes():
    env = safety.environment(__import__("reports.render", fromlist=["TEMPLATES"]).TEMPLATES)
    page = env.from_string("{{ x }}").render(x="<b>&</b>")
    assert page == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert re.search(r"\|\s*safe", "".join(
        p.read_text() for p in __import__("reports.render", fromlist=["TEMPLATES"]).TEMPLATES.glob("*.j2"))) is None
