"""Reading packs back the way a recipient would: the message's parts, the XLSX with openpyxl,
the PDF's text with pypdf."""

from __future__ import annotations

import email
import email.policy
import io
import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

FIGURE = re.compile(r'data-key="(\w+)"[^>]*>\s*([^<]*?)\s*<')


def money_text(value: Decimal) -> str:
    d = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"-¥{-d:,.2f}" if d < 0 else f"¥{d:,.2f}"


def parts(msg) -> dict:
    """html, text, inline images (cid -> bytes), attachments (filename -> bytes)."""
    out = {"html": None, "text": None, "inline": {}, "attachments": {}}
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = part.get_filename()
        if part.get_content_disposition() == "attachment":
            out["attachments"][filename] = part.get_content()
        elif part.get("Content-ID"):
            out["inline"][part["Content-ID"].strip("<>")] = part.get_content()
        elif ctype == "text/html":
            out["html"] = part.get_content()
        elif ctype == "text/plain":
            out["text"] = part.get_content()
    return out


def read_eml(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def figures(html: str) -> dict[str, str]:
    return dict(FIGURE.findall(html))


def pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() or "" for p in reader.pages)


def xlsx_cells(data: bytes):
    """{sheet: [[cell, …], …]} with openpyxl cells (value, data_type, number_format)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows()] for ws in book.worksheets}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
