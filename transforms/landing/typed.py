"""Typing and row checks: the one SQL pass that types text per the contract and names each bad row's first failing check."""

from __future__ import annotations

import re

from core.sql import ident, literal
from transforms.sources import Column, Source

# A decimal number as written, in any format: plain (12.30) or with an exponent (1e-06, which is
# how a float parquet column or a JSON number renders 0.000001). Its decimals are counted as
# written: the digits after the point minus the exponent (1.50e-1 has 3, 1e-06 has 6, 12.300 has 3).
# Plain text, by far the common case, is matched by one regex as before.
_DECIMAL = {"money2": r"^[+-]?[0-9]+(\.[0-9]{1,2})?$", "money6": r"^[+-]?[0-9]+(\.[0-9]{1,6})?$"}
_EXPONENT = r"^[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$"
_SCALE = {"money2": 2, "money6": 6}
_INT_DIGITS = {"money2": 16, "money6": 12}  # DECIMAL(18, 2) and DECIMAL(18, 6)
# RFC 3339: an offset's hours 00-23 and minutes 00-59 (+25:00 is no offset)
_TS_BAD_OFFSET = (r"[T ][0-9:.]+\s*[+-](([2][4-9]|[3-9][0-9])(:?[0-9]{2})?|[0-9]{2}:?[6-9][0-9])"
                  r"\s*$")
_INTEGER = r"^[+-]?[0-9]+(\.0*)?$"
_KIND_WORD = {"ts": "timestamp", "date": "date", "int": "integer", "bool": "boolean",
              "money2": "decimal", "money6": "decimal"}



def _typed(c: Column, v: str) -> str:
    """The typed value of text `v` (already NULL for empty), NULL when it does not parse."""
    if c.type in ("str",):
        return v
    if c.type == "enum":
        return f"CASE WHEN {v} IN ({', '.join(literal(x) for x in c.values)}) THEN {v} END"
    # Text that matches as it is (the common case) is cast as it is: trim() copies every value
    # (1.3 CPU-s a million usage rows over its seven numeric columns, measured on DuckDB 2.0).
    # Text that needs trimming, which also takes Unicode spaces such as U+00A0 off, is read the
    # same as before: the second branch.
    if c.type in ("money2", "money6"):
        pat = literal(_DECIMAL[c.type])
        return (f"CASE WHEN regexp_full_match({v}, {pat}) THEN TRY_CAST({v} AS {c.duckdb_type})"
                f" WHEN regexp_full_match(trim({v}), {pat}) THEN TRY_CAST(trim({v}) AS {c.duckdb_type})"
                f" WHEN {_exponent_ok(c, v)} THEN TRY_CAST(trim({v}) AS {c.duckdb_type}) END")
    if c.type == "int":
        pat = literal(_INTEGER)
        return (f"CASE WHEN regexp_full_match({v}, {pat}) THEN TRY_CAST({v} AS BIGINT)"
                f" WHEN regexp_full_match(trim({v}), {pat}) THEN TRY_CAST(trim({v}) AS BIGINT) END")
    if c.type in ("ts", "date"):
        t = f"TRY_CAST({v} AS {c.duckdb_type})"
        ok = f"year({t}) BETWEEN 1 AND 9999"  # DuckDB reads year 10000; ISO 8601 has four digits
        if c.type == "date":
            return f"CASE WHEN isfinite({t}) AND {ok} THEN {t} END"
        # an instant between 1900 and 9000 is in years 1-9999 in every time zone: checked by
        # comparison, not by year(), which asks ICU for the calendar (0.75 CPU-s a million rows)
        within = f"{t} BETWEEN '1900-01-01'::{c.duckdb_type} AND '9000-01-01'::{c.duckdb_type}"
        return (f"CASE WHEN regexp_matches({v}, {literal(_TS_BAD_OFFSET)}) THEN NULL"
                f" WHEN {within} THEN {t} WHEN isfinite({t}) AND {ok} THEN {t} END")
    if c.type == "bool":
        return f"TRY_CAST({v} AS BOOLEAN)"
    raise ValueError(f"unknown contract type {c.type}")


def _exponent_ok(c: Column, v: str) -> str:
    return (f"regexp_full_match(trim({v}), {literal(_EXPONENT)})"
            f" AND {_decimals(v)} <= {_SCALE[c.type]}")


def _decimals(v: str) -> str:
    """How many decimals number text `v` has as written (digits after the point - exponent)."""
    frac = f"length(regexp_extract(trim({v}), '\\.([0-9]+)', 1))"
    exp = f"coalesce(TRY_CAST(nullif(regexp_extract(trim({v}), '[eE]([+-]?[0-9]+)$', 1), '') AS INTEGER), 0)"
    return f"greatest({frac} - {exp}, 0)"


def _bad_reason(c: Column, v: str) -> str:
    show = f"'bad {{}} for {c.name}: ''' || {v} || ''''"
    if c.type == "enum":
        return show.format("value") + f" || ' (expected {'|'.join(c.values)})'"
    if c.type in ("money2", "money6"):
        # a number of the right scale that does not fit is out of range, not "too many decimals"
        return show.format("decimal") + (
            f" || CASE WHEN regexp_full_match(trim({v}), {literal(_DECIMAL[c.type])})"
            f" OR {_exponent_ok(c, v)}"
            f" THEN ' (out of range: at most {_INT_DIGITS[c.type]} digits before the point)'"
            f" ELSE ' (at most {c.type[-1]} decimals)' END")
    return show.format(_KIND_WORD[c.type])


def _check_reason(c: Column) -> str:
    reason = c.check_reason or f"{c.name} fails {c.check}"
    return reason if reason.startswith(c.name) else f"{c.name} {reason}"


def typed_select(src: Source, raw_sql: str, raw_expr: str, extra: str = "") -> str:
    """The one pass: typed contract columns, `_row`, `_reason` (first failing check, NULL for a good row) and `_raw` for bad rows only.

    `extra`: columns of `raw_sql` passed through as they are (the native JSONL read's checks)."""
    def v(c: Column) -> str:
        return ident("v." + c.name)  # the text, empty string as NULL

    def t(c: Column) -> str:
        return ident("t." + c.name)  # the typed value, NULL when the text does not parse

    texts = ", ".join(f"nullif({ident(c.name)}, '') AS {v(c)}" for c in src.columns)
    typed = ", ".join(f"{_typed(c, v(c))} AS {t(c)}" for c in src.columns)
    whens = []
    for c in src.columns:
        if c.required:
            whens.append(f"WHEN {v(c)} IS NULL THEN {literal('missing required value: ' + c.name)}")
        if c.type != "str":
            whens.append(f"WHEN {v(c)} IS NOT NULL AND {t(c)} IS NULL THEN {_bad_reason(c, v(c))}")
        if c.check:
            pred = re.sub(r"\bx\b", t(c), c.check)
            whens.append(f"WHEN {t(c)} IS NOT NULL AND NOT ({pred}) THEN {literal(_check_reason(c))}")
    reason = "CASE " + " ".join(whens) + " END"

    out = ", ".join(f"{t(c)} AS {ident(c.name)}" for c in src.columns)
    return f"""
        WITH s AS ({raw_sql}),
             v AS (SELECT s.*, {texts} FROM s),
             t AS (SELECT v.*, {typed} FROM v),
             c AS (SELECT t.*, {reason} AS _reason FROM t)
        SELECT {out}, _row, _reason,
               CASE WHEN _reason IS NOT NULL THEN {raw_expr} END AS _raw{", " + extra if extra else ""}
        FROM c"""
