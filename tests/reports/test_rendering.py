"""What a recipient sees: the PDF's first pages rendered with pdftoppm and the HTML messages in
headless Chromium, as PNG images that are neither blank nor cut. Under CI a missing tool fails
the test (the packages are installed by .ci/run); elsewhere it skips with the reason."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from packs import parts, read_eml

CHROMIUM = "/usr/bin/chromium"


def tool(path: str) -> str:
    found = shutil.which(path)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is not installed (.ci/run installs chromium and poppler-utils)")
    pytest.skip(f"{path} is not installed")


def png_size_and_ink(path: Path) -> tuple[tuple[int, int], float]:
    """Width, height and the share of pixels that are not background (white or page grey)."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = im.convert("L")
        hist = rgb.histogram()
        total = rgb.width * rgb.height
        light = sum(hist[235:])
        return (rgb.width, rgb.height), 1 - light / total


def screenshot(html: Path, png: Path, tmp_path: Path, size: str = "760,1600") -> None:
    profile = tmp_path / "chromium-profile"
    cmd = [tool(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png}",
           f"--window-size={size}", html.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    assert png.exists(), "chromium wrote no screenshot"


def test_pdf_first_pages_render(built, tmp_path):
    pdftoppm = tool("pdftoppm")
    pdf = built.folder / "legal.pdf"
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    for page in pages:
        (w, h), ink = png_size_and_ink(page)
        assert abs(h / w - 297 / 210) < 0.01, "not A4"
        assert ink > 0.01, f"{page.name} is blank"


@pytest.mark.parametrize("pack", ["finance", "legal"])
def test_html_message_renders_offline_in_chromium(built, tmp_path, pack):
    # the message exactly as mailed, its inline chart written beside it under its cid
    p = parts(read_eml(built.packs[pack].eml))
    html = p["html"]
    for cid, data in p["inline"].items():
        (tmp_path / f"{cid}.png").write_bytes(data)
        html = html.replace(f"cid:{cid}", f"{cid}.png")
    page = tmp_path / f"{pack}.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / f"{pack}.png"
    screenshot(page, png, tmp_path)
    (w, h), ink = png_size_and_ink(png)
    assert (w, h) == (760, 1600)
    assert ink > 0.05, "the message renders (nearly) blank"
    if pack == "finance":  # the chart is there and has drawn lines and text, not an empty box
        (cw, _), chart_ink = png_size_and_ink(tmp_path / "trend.png")
        assert cw > 600 and chart_ink > 0.02


def test_liability_caps_take_a_line_a_claim_on_landscape_pages(tmp_path):
    """A claim's columns do not fit a portrait A4: its reason wrapped into five lines a claim
    (747 claims took 85 pages). The section is laid out landscape, a claim a line, with the time
    the claim was filed (the caps are in filing order: an earlier claim's payment lowers a later
    one's). The claims take turns at the longest cause and each reason."""
    import datetime as dt
    from decimal import Decimal

    from pypdf import PdfReader

    from reports import render
    from reports.build import REASONS

    n = 90
    caps = [{"claim": f"C{i:08d}", "account": f"A{i:08d}", "model": "moonshot-v1-8k",
             "filed (UTC)": dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=97 * i),
             "cause": ("platform_fault", "public_service_failure")[i % 2], "damage": "indirect",
             "claimed": Decimal("500.00"),
             "cap": Decimal("0.03"), "paid before": Decimal("0.00"), "payable": Decimal("0.00"),
             "reason_words": list(REASONS.values())[i % len(REASONS)]} for i in range(n)]
    totals = dict.fromkeys(("new_n", "new_amount", "open_n", "open_amount", "gone_n",
                            "gone_amount"), 0)
    page = render.html("legal_report.html.j2", "legal PDF", day=dt.date(2026, 11, 20),
                       previous=None, totals=totals, by_rule=[], rules=[], gone=[], caps=caps,
                       clusters=[], clusters_more=0, cluster_accounts=0, topups=[])
    pdf = tmp_path / "legal.pdf"
    pdf.write_bytes(render.pdf(page, tmp_path))
    pages = [(p.mediabox, p.extract_text()) for p in PdfReader(pdf).pages]
    first = pages[0][0]
    assert first.height > first.width, "the cover is no longer portrait A4"
    with_claims = [(box, text) for box, text in pages if "C000000" in text]
    assert with_claims, "no page lists the claims"
    for box, _ in with_claims:
        assert box.width > box.height, "the liability caps are not on a landscape page"
    assert len(with_claims) <= 4, f"{n} claims take {len(with_claims)} pages"
    lines = [line for _, text in with_claims for line in text.splitlines()]
    for c in caps:
        line = next(x for x in lines if c["claim"] in x)
        assert c["reason_words"] in line, f"{c['claim']}'s reason is not on its line: {line!r}"
        filed = c["filed (UTC)"].strftime("%Y-%m-%d %H:%M")
        assert filed in line, f"{c['claim']} does not say when it was filed ({filed}): {line!r}"
