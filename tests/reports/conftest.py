"""One small warehouse for the report tests: a generated landing zone, two nights published in
order (so the history has a previous night), and planted accounts and invoices whose real
names and buyer names are formula and script injections."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packs import END, free_port, plant


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
