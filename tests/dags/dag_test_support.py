"""Helpers the DAG tests share: the published marts of a warehouse, `ledger-audit run`, and a
local SMTP server that keeps what it receives."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections import Counter
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from ledger_audit.cli import app

END = dt.date(2026, 11, 20)  # the last business date of the generated landing zone
NIGHTS = (END - dt.timedelta(days=1), END)  # the nights the DAG tests run, in order


def marts(warehouse: Path) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Every marts table: its columns and its rows, sorted; `loaded_at` (the wall-clock time of
    loading) left out."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                   "WHERE schema_name = 'marts' ORDER BY 1").fetchall():
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                "AND table_name = $t ORDER BY column_index", {"t": name}).fetchall()
                if c != "loaded_at"]
            sel = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f"SELECT {sel} FROM marts.{name}").fetchall()
            out[name] = (tuple(cols), sorted(rows, key=repr))
        return out
    finally:
        con.close()


def violations_by_rule(published: dict) -> dict[str, int]:
    """{rule_id: violations} of what `marts()` returned, as the audit step reports it."""
    cols, rows = published["violations"]
    i = cols.index("rule_id")
    return dict(sorted(Counter(r[i] for r in rows).items()))


def cli_run(landing: Path, warehouse: Path, day: dt.date) -> None:
    """`ledger-audit run` for one business date."""
    result = CliRunner().invoke(app, ["run", "--landing", str(landing), "--warehouse",
                                      str(warehouse), "--date", day.isoformat()])
    assert result.exit_code == 0, result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the local SMTP server received."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[Message] = []

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]

    @staticmethod
    def html(message: Message) -> str:
        return "".join(p.get_payload(decode=True).decode() for p in message.walk()
                       if p.get_content_type() == "text/html")

    def connection_json(self) -> str:
        """AIRFLOW_CONN_SMTP_DEFAULT for this server: plain SMTP, no TLS, no login."""
        import json

        return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": self.port,
                           "extra": {"disable_ssl": True, "disable_tls": True}})


@contextlib.contextmanager
def smtp_server() -> Iterator[Inbox]:
    """aiosmtpd on 127.0.0.1 in a thread, stopped on exit whatever happens."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as MessageHandler

    inbox = Inbox(free_port())

    class Keep(MessageHandler):
        def handle_message(self, message):
            inbox.messages.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
