"""Reading packs back the way a recipient would: the message's parts, the XLSX with openpyxl,
the PDF's text with pypdf."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import re
import socket
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

END = dt.date(2026, 11, 20)
PAYLOADS = ['=HYPERLINK("http://x","y")', "+SUM(1)", "@cmd", "<script>alert(1)</script>"]
ACCOUNT_HEAD = ["account_id", "updated_at", "registered_at", "account_type", "real_name",
                "birth_date", "id_doc_hash", "enterprise_name", "enterprise_tax_id",
                "real_name_verified_at", "phone_hash", "email", "address", "device_id",
                "registration_ip"]
INVOICE_HEAD = ["invoice_id", "account_id", "issued_at", "amount", "title_type", "buyer_name",
                "buyer_tax_id", "proof_provided", "status", "ingest_batch"]


def plant(landing: Path, day: dt.date) -> None:
    """Four minors registered on `day` (MINOR_REGISTRATION) whose real names are the payloads,
    each with an enterprise-title invoice without proof (INVOICE_TITLE_WITHOUT_PROOF) whose
    buyer name is the payload too."""
    at = f"{day.isoformat()}T10:00:00+08:00"
    accounts = landing / "accounts" / f"dt={day}" / "part-planted.csv"
    invoices = landing / "invoices" / f"dt={day}" / "part-planted.csv"
    accounts.parent.mkdir(parents=True, exist_ok=True)
    invoices.parent.mkdir(parents=True, exist_ok=True)
    with accounts.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ACCOUNT_HEAD)
        for i, payload in enumerate(PAYLOADS, start=1):
            w.writerow([f"X0000000{i}", at, at, "personal", payload, "2012-01-0" + str(i),
                        f"doc_plant000000000{i}", "", "", f"{day.isoformat()}T10:05:00+08:00",
                        f"ph_plant00000000{i}", f"planted{i}@mailbox.example.com",
                        f"北京市朝阳区建国路{i}号院{i}号楼", f"dev_plant{i}", f"10.9.9.{i}"])
    with invoices.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(INVOICE_HEAD)
        for i, payload in enumerate(PAYLOADS, start=1):
            w.writerow([f"XI00000{i}", f"X0000000{i}", f"{day.isoformat()}T12:00:00+08:00",
                        "10.00", "enterprise", payload, f"9131000000000000{i}X", "false",
                        "issued", "bplant"])



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



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
