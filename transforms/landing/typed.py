"""Typing and row checks: the one SQL pass that types text per the contract and names each bad row's first failing check."""

from __future__ import annotations

import re

from core.sql import ident, literal
from transforms.sources import Column, Source

_DECIMAL = {"money2": r"^[+-]?[0-9]+(\.[0-9]{1,2})?$", "money6": r"^[+-]?[0-9]+(\.[0-9]{1,6})?$"}
# JSON and float parquet columns render whole numbers as "12.0"
_INTEGER = r"^[+-]?[0-9]+(\.0*)?$"
_KIND_WORD = {"ts": "timestamp", "date": "date", "int": "integer", "bool": "boolean",
              "money2": "decimal", "money6": "decimal"}



def _typed(c: Column, v: str) -> str:
    """The typed value of text `v` (already NULL for empty), NULL when it does not parse."""
    if c.type in ("str",):
        return v
    if c.type == "enum":
        return f"CASE WHEN {v} IN ({', '.join(literal(x) for x in c.values)}) THEN {v} END"
    if c.type in ("money2", "money6"):
        return (f"CASE WHEN regexp_full_match(trim({v}), {literal(_DECIMAL[c.type])})"
                f" THEN TRY_CAST(trim({v}) AS {c.duckdb_type}) END")
    if c.type == "int":
        return f"CASE WHEN regexp_full_match(trim({v}), {literal(_INTEGER)}) THEN TRY_CAST(trim({v}) AS BIGINT) END"
    if c.type in ("ts", "date"):
        t = f"TRY_CAST({v} AS {c.duckdb_type})"
        return f"CASE WHEN isfinite({t}) THEN {t} END"
    if c.type == "bool":
        return f"TRY_CAST({v} AS BOOLEAN)"
    raise ValueError(f"unknown contract type {c.type}")


def _bad_reason(c: Column, v: str) -> str:
    show = f"'bad {{}} for {c.name}: ''' || {v} || ''''"
    if c.type == "enum":
        return show.format("value") + f" || ' (expected {'|'.join(c.values)})'"
    if c.type in ("money2", "money6"):
        return show.format("decimal") + f" || ' (at most {c.type[-1]} decimals)'"
    return show.format(_KIND_WORD[c.type])


def _check_reason(c: Column) -> str:
    reason = c.check_reason or f"{c.name} fails {c.check}"
    return reason if reason.startswith(c.name) else f"{c.name} {reason}"


def typed_select(src: Source, raw_sql: str, raw_expr: str) -> str:
    """The one pass: typed contract columns, `_row`, `_reason` (first failing check, NULL for a good row) and `_raw` for bad rows only."""
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
               CASE WHEN _reason IS NOT NULL THEN {raw_expr} END AS _raw
        FROM c"""
