"""No sheet passes its row limit: what does not fit goes whole to a CSV beside the packs, and
the message and the summary sheet say where. Messages stay under 10 MB."""

from __future__ import annotations

import duckdb
import polars as pl
from packs import END, parts, read_eml, xlsx_cells

from core.config import Config, Reports
from reports.build import build_packs


def test_a_table_longer_than_the_sheet_limit_goes_to_csv_and_the_message_says_where(
        warehouse, tmp_path):
    config = Config(reports=Reports(max_sheet_rows=10))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        topups = con.execute("SELECT count(*) FROM marts.topup_positions").fetchall()[0][0]
        biggest = con.execute("SELECT max(refundable_now) FROM marts.topup_positions").fetchall()[0][0]
    finally:
        con.close()
    assert topups > 10

    built = build_packs(warehouse, END, tmp_path, config)

    p = parts(read_eml(built.packs["finance"].eml))
    sheets = xlsx_cells(p["attachments"]["finance.xlsx"])
    assert len(sheets["Top-up positions"]) == 1 + 10  # header and the 10 largest refundable
    head = [c.value for c in sheets["Top-up positions"][0]]
    assert sheets["Top-up positions"][1][head.index("refundable now")].value == float(biggest)
    csv = built.folder / "finance-top_up_positions.csv"
    whole = pl.read_csv(csv, infer_schema=False)
    assert whole.height == topups
    assert f"Top-up positions: {topups:,} rows" in p["html"]
    assert csv.name in p["html"] and csv.name in p["text"]
    notes = [c.value for r in sheets["Summary"] for c in r if c.value]
    assert any(csv.name in str(n) for n in notes)
    for pack in built.packs.values():
        assert pack.eml.stat().st_size < 10 * 1024 * 1024


def test_the_default_limit_is_far_below_excels(warehouse):
    assert Config().reports.max_sheet_rows <= 1_048_575
    # the setting cannot be raised past Excel's last row (1,048,576 with the header)
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Reports(max_sheet_rows=1_048_576)


def test_an_attachment_that_would_pass_10_mb_stays_on_disk_and_the_message_says_where(tmp_path):
    from reports.build import MAX_MESSAGE_BYTES, _fit

    small, big = tmp_path / "small.xlsx", tmp_path / "big.pdf"
    small.write_bytes(b"x" * 1000)
    big.write_bytes(b"x" * (MAX_MESSAGE_BYTES * 3 // 4 + 1))  # base64 takes it past 10 MB
    kept, notes = _fit([small, big], MAX_MESSAGE_BYTES)
    assert kept == [small]
    assert notes == [(f"big.pdf ({big.stat().st_size / 1e6:.1f} MB) is too large to e-mail: "
                     f"it is at {big}.")]


def test_the_data_quality_page_lists_the_nights_validations_and_loads_nothing(built):
    page = (built.folder / "data-quality.html").read_text(encoding="utf-8")
    for table in ("marts.violations", "marts.account_balances", "staging.usage"):
        assert f'id="{table}"' in page, table
    assert "expect_column_values_to_not_be_null" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
