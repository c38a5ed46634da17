"""What makes a pack safe to forward, in the one place every pack passes through.

- **Masking.** Names, e-mail addresses, phone numbers and street addresses are masked in every
  frame a pack is built from (`protect`) before anything is rendered: columns and evidence keys
  named for personal data keep their first character only; e-mail addresses and phone numbers
  anywhere in text are masked too. The warehouse keeps the originals for investigators.
- **No formulas from data.** XLSX cells are written as strings (never through xlsxwriter's
  string-to-formula/URL/number guessing), and text that a spreadsheet would read as a formula
  (= + - @ tab CR first) gets Excel's quote prefix, so editing the cell keeps it text;
  CSV cells get a leading apostrophe (`csv_safe`).
- **HTML escaped.** Every template renders through `environment()`: autoescaping on, no way
  to mark data safe except the filters defined here.
- **Offline.** `assert_offline` refuses HTML that would load anything (scripts, remote
  images, stylesheets, fonts); WeasyPrint gets `offline_url_fetcher`, which fetches nothing
  but data: URLs and the pack's own files.

Everything here works on whole polars columns (vectorized), never row by row in Python.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import polars as pl

# column names and evidence keys that hold personal data (ids and *_hash columns do not)
PII_NAME = re.compile(r"(^|[_ ])(name|holder|real_name|email|e_mail|phone|mobile|address|addr|street)$",
                      re.IGNORECASE)
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# mainland mobiles (optionally +86) and other long digit runs written as phone numbers
PHONE = r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|\+\d{1,3}[- ]?\d{2,4}[- ]?\d{3,4}[- ]?\d{3,4}"
MASK = "***"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a JSON string member whose key is personal data: "buyer_name":"深圳…" -> "buyer_name":"深***"
_EVIDENCE_PII = r'("(?:[a-z_]*_)?(?:name|email|phone|mobile|address|addr|street)"\s*:\s*")((?:[^"\\]|\\.)?)(?:[^"\\]|\\.)*(")'


def is_pii_column(name: str) -> bool:
    return bool(PII_NAME.search(name)) and not name.endswith(("_hash", "_id"))


def mask_text(value: str | None) -> str | None:
    """One value of a personal-data column: its first character, then ***."""
    if value is None:
        return None
    return (value[:1] + MASK) if value else value


def _mask_expr(col: pl.Expr) -> pl.Expr:
    return pl.when(col.is_null() | (col == "")).then(col).otherwise(col.str.slice(0, 1) + MASK)


def _scrub_expr(col: pl.Expr) -> pl.Expr:
    """E-mail addresses and phone numbers anywhere in free text."""
    return col.str.replace_all(EMAIL, MASK + "@" + MASK).str.replace_all(PHONE, MASK)


def protect(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with personal data masked: PII columns to their first character, personal
    evidence members likewise, e-mail addresses and phone numbers in every text column."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        col = pl.col(name)
        if is_pii_column(name):
            exprs.append(_mask_expr(col).alias(name))
        else:
            exprs.append(_scrub_expr(col.str.replace_all(_EVIDENCE_PII, "${1}${2}" + MASK + "${3}"))
                         .alias(name))
    return frame.with_columns(exprs) if exprs else frame


def protect_value(key: str, value):
    """The same masking for one value already out of a frame (evidence laid out in Python)."""
    if isinstance(value, str):
        if is_pii_column(key):
            return mask_text(value)
        return re.sub(PHONE, MASK, re.sub(EMAIL, MASK + "@" + MASK, value))
    return value


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would evaluate get a leading apostrophe (OWASP CSV
    injection); the frame is already `protect`ed."""
    pattern = "^[=+\\-@\t\r]"
    return frame.with_columns(
        pl.when(pl.col(n).str.contains(pattern)).then("'" + pl.col(n)).otherwise(pl.col(n)).alias(n)
        for n, t in frame.schema.items() if t == pl.String)


# ---- XLSX ----------------------------------------------------------------------------------

# xlsxwriter would otherwise turn "=…" into a formula, "http…" into a link, "12" into a number
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "nan_inf_to_errors": True}


def write_text(sheet, row: int, col: int, text: str, fmt, quoted_fmt) -> None:
    """A text cell that stays text: the quote-prefix format for formula-like strings."""
    sheet.write_string(row, col, text, quoted_fmt if formula_like(text) else fmt)


# ---- HTML ----------------------------------------------------------------------------------

_FORBIDDEN = re.compile(
    r"<script|<iframe|<object|<embed|<link\b|@import|javascript:"
    r"|\b(?:src|href|background|poster)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE)


class UnsafeHtml(ValueError):
    """Rendered HTML that would load something from the network or run a script."""


def assert_offline(html: str, what: str) -> str:
    """The HTML unchanged, or UnsafeHtml naming what it would load. Links a reader clicks
    (<a href="https://…">) are refused too: nothing in a pack points outside it."""
    m = _FORBIDDEN.search(html)
    if m:
        raise UnsafeHtml(f"{what}: refusing to write HTML containing {m.group(0)!r}")
    return html


def environment(templates: Path) -> jinja2.Environment:
    """The only jinja2 environment packs render through: autoescape on for every template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def offline_url_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves data: URLs and files under `root` and fails the
    render on anything else (a PDF that tried to load from the network is a bug)."""
    from weasyprint.urls import URLFetcher

    root = root.resolve()

    class OfflineFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://"):].split("?")[0]).resolve()
                if path != root and root not in path.parents:
                    raise ValueError(f"the PDF may not load {url!r}")
            elif not url.startswith("data:"):
                raise ValueError(f"the PDF may not load {url!r}")
            return super().fetch(url, headers)

    return OfflineFetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)
