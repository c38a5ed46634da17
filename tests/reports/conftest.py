"""One small warehouse for the report tests: a generated landing zone, two nights published in
order (so the history has a previous night), and planted accounts and invoices whose real
names and buyer names are formula and script injections."""

from __future__ import annotations

import csv
import datetime as dt
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    from ledger_audit.generate import generate
    from ledger_audit.pipeline import run_night

    root = tmp_path_factory.mktemp("reports")
    landing = root / "landing"
    generate(landing, accounts=40, days=10, seed=5, end=END)
    plant(landing, END)
    wh = root / "warehouse.duckdb"
    for day in (END - dt.timedelta(days=1), END):
        run_night(landing, wh, day)
    return wh


@pytest.fixture(scope="session")
def built(warehouse, tmp_path_factory):
    from reports.build import build_packs

    return build_packs(warehouse, END, tmp_path_factory.mktemp("packs"))


# ---- a real SMTP server on 127.0.0.1 -----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    port: int
    messages: list = field(default_factory=list)  # (envelope rcpt_tos, email.message)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def inbox():
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    box = Inbox(free_port())

    class Keep:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.endswith("@refused.invalid"):  # a mailbox the server does not have
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
            with box.lock:
                box.messages.append((list(envelope.rcpt_tos), msg))
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=box.port,
                            data_size_limit=20 * 1024 * 1024)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
