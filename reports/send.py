"""Sending built packs: SMTP (none / STARTTLS / implicit TLS), retried with back-off, and a
delivery record beside the packs so that a second send of a date mails nothing.

The record (`<out>/<date>/delivery.json`) lives beside the packs, not in the warehouse, which
reports only ever read. A pack is recorded as sent only after the server accepted the message
for every recipient; `resend=True` sends again whatever the record says.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import Email
from core.errors import AuditError

ENV_USER = "LEDGER_AUDIT_SMTP_USER"
ENV_PASSWORD = "LEDGER_AUDIT_SMTP_PASSWORD"
PACKS = ("finance", "legal")
RECORD = "delivery.json"


class SendError(AuditError):
    """A pack the server did not take; the message is one line saying which, where and why."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_config(cls, settings: Email) -> Server:
        """The configured server; the login only ever from the environment."""
        return cls(settings.smtp_host, settings.smtp_port, settings.security,
                   os.environ.get(ENV_USER) or None, os.environ.get(ENV_PASSWORD) or None)

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"

    def deliver(self, msg: email.message.EmailMessage) -> None:
        """One attempt: connect, secure, log in, send; raises on anything short of acceptance."""
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            refused = smtp.send_message(msg)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def _permanent(exc: Exception) -> bool:
    """5xx replies and bad logins will not get better by waiting."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients refused: " + ", ".join(
            f"{r} ({c} {m.decode(errors='replace') if isinstance(m, bytes) else m})"
            for r, (c, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {text}".strip()
    return (str(exc) or type(exc).__name__).splitlines()[0]


def _record(folder: Path) -> dict:
    path = folder / RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_record(folder: Path, record: dict) -> None:
    tmp = folder / (RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / RECORD)


def delivered(folder: str | Path) -> dict:
    """The delivery record of a date's folder: pack -> {sent_at, message_id, to, server}."""
    return _record(Path(folder))


def send_packs(folder: str | Path, server: Server, *, resend: bool = False, attempts: int = 3,
               retry_seconds: float = 5.0, sleep: Callable[[float], None] = time.sleep,
               packs: tuple[str, ...] = PACKS) -> dict[str, str]:
    """Mail each built pack of a date's folder (`<out>/<date>/<pack>.eml`) once.

    Returns pack -> what happened ("sent", "already sent at …"). Raises SendError after the
    last try; packs sent before the failure stay recorded, the failed one is not."""
    folder = Path(folder)
    record = _record(folder)
    done: dict[str, str] = {}
    for name in packs:
        eml = folder / f"{name}.eml"
        if not eml.exists():
            raise SendError(f"no {name} pack at {eml}: build the reports for {folder.name} first")
        if name in record and not resend:
            done[name] = f"already sent at {record[name]['sent_at']} (--resend sends it again)"
            continue
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        wait = retry_seconds
        for attempt in range(1, attempts + 1):
            try:
                server.deliver(msg)
                break
            except (OSError, smtplib.SMTPException) as exc:
                if attempt == attempts or _permanent(exc):
                    raise SendError(
                        f"could not send the {name} pack for {folder.name} to {server} after "
                        f"{attempt} {'try' if attempt == 1 else 'tries'}: {_reason(exc)}; "
                        "nothing was recorded as sent") from None
                sleep(wait)
                wait *= 2
        record[name] = {"sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "message_id": msg["Message-ID"], "to": msg["To"], "server": str(server)}
        _write_record(folder, record)
        done[name] = "sent"
    return done
