"""How values read: money to the fen, times, and a violation's evidence laid out as labelled
records instead of JSON. Used by every renderer; no I/O."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_EVEN, Decimal

from reports.safety import protect_value

FEN = Decimal("0.01")
_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d+)?)?(\+00(:00)?|Z)$")
_MONEY_KEY = re.compile(
    r"amount|cash|refund|cap$|total|paid|charged|rerated|difference|consumed|invoiced|uncovered"
    r"|refundable|granted|usage_amount|_used|balance")
_WORDS = {"topup": "top-up", "id": "id", "ids": "ids", "utc": "UTC", "doc": "document"}


def money(value: Decimal | float | None) -> str:
    """¥1,234.56, rounded half-even to the fen from the exact value."""
    if value is None:
        return "—"
    d = Decimal(value).quantize(FEN, rounding=ROUND_HALF_EVEN)
    return f"-¥{-d:,.2f}" if d < 0 else f"¥{d:,.2f}"


def plain(value: Decimal | int) -> str:
    """1,234.56: the fen, half-even, without the currency sign (subjects, plain text)."""
    return f"{Decimal(value).quantize(FEN, rounding=ROUND_HALF_EVEN):,.2f}"


def signed_money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    d = Decimal(value).quantize(FEN, rounding=ROUND_HALF_EVEN)
    return "±¥0.00" if d == 0 else (f"+¥{d:,.2f}" if d > 0 else f"−¥{-d:,.2f}")


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def signed_count(value: int | None) -> str:
    return "—" if value is None else ("±0" if value == 0 else f"{value:+,}")


def when(value) -> str:
    """A UTC instant as 'YYYY-MM-DD HH:MM UTC'; a date as itself."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    m = _TS.match(str(value))
    return f"{m.group(1)} {m.group(2)} UTC" if m else str(value)


def label(key: str) -> str:
    words = [_WORDS.get(w, w) for w in key.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _scalar(key: str, value) -> str:
    value = protect_value(key, value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        if _MONEY_KEY.search(key) and not key.endswith(("_count", "calls", "requests")):
            return money(value)
        return f"{value:,}" if isinstance(value, int) else str(value)
    return when(value)


def evidence(text: str | None) -> list[tuple[str, object]]:
    """The evidence JSON as [(label, value)]: value is a string, or a list of records (each a
    list of (label, string)) for nested records such as the requests behind a finding."""
    if not text:
        return []
    try:
        data = json.loads(text, parse_float=Decimal)
    except ValueError:
        return [("Evidence", protect_value("evidence", text))]
    return _items(data) if isinstance(data, dict) else [("Evidence", _scalar("evidence", data))]


def _items(data: dict) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out.append((label(key), [[(lbl, v if isinstance(v, str) else _flat(v))
                                      for lbl, v in _items(value)]]))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append((label(key), [[(lbl, v if isinstance(v, str) else _flat(v))
                                      for lbl, v in _items(v)] for v in value]))
        elif isinstance(value, list):
            out.append((label(key), ", ".join(_scalar(key, v) for v in value) or "none"))
        else:
            out.append((label(key), _scalar(key, value)))
    return out


def _flat(records) -> str:
    return "; ".join(", ".join(f"{lbl}: {v}" for lbl, v in rec) for rec in records)


def evidence_text(text: str | None) -> str:
    """The evidence on one line, for a spreadsheet cell: 'Label: value · Label: value'."""
    return " · ".join(f"{lbl}: {v if isinstance(v, str) else _flat(v)}"
                      for lbl, v in evidence(text))


def links_text(text: str | None) -> str:
    """identity_clusters.links as 'email (gmail-normalized) with P00035; …'."""
    if not text:
        return ""
    try:
        links = json.loads(text)
    except ValueError:
        return protect_value("links", text)
    parts = []
    for link in links:
        how = str(link.get("value_class") or link.get("signal") or "")
        kind = how.split(":", 1)
        sig = f"{kind[0]} ({kind[1]})" if len(kind) == 2 else how
        prob = link.get("probability")
        extra = f", p={prob:.2f}" if isinstance(prob, float) and prob < 1 else ""
        parts.append(f"{sig} with {link.get('other_account')}{extra}")
    return protect_value("links", "; ".join(parts))
