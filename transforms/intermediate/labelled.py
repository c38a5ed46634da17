"""intermediate.int_usage__labelled: the calls with a moderation label, so the rule
CONTENT_VIOLATIONS_REPEATED, whose windows may reach back to any date, reads a few rows instead
of every call of history.

A night that carries the published warehouse (transforms/changes.py) keeps the published rows of
business dates before the first date tonight's new calls touch (no call of those dates can have
changed: a changed or displaced record, other settings or code recompute everything) and reads
the calls from that date on.
"""

from __future__ import annotations

import logging

import duckdb

from core.db import AuditContext
from core.sql import ident
from transforms.changes import Changes
from transforms.schema import ddl, table

log = logging.getLogger(__name__)

NAME = "intermediate.int_usage__labelled"


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, changes: Changes | None = None) -> None:
    t = table(NAME)
    con.execute(ddl(t))
    first = changes.from_date({"usage": ("started_at",)}) if changes and not changes.full else None
    if first is not None and not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = $db"
            " AND schema_name = $s AND table_name = $t",
            {"db": changes.previous, "s": t.schema, "t": t.name}).fetchone()[0]:
        first = None
    if first is not None:
        kept = con.execute(
            f"INSERT INTO {NAME} SELECT * FROM {ident(changes.previous)}.{NAME}"
            " WHERE biz_date(started_at) < $first", {"first": first}).fetchone()[0]
        log.info("labelled calls: %d carried (dates before %s)", kept, first)
        con.execute("SET VARIABLE recompute_from = timezone(getvariable('tz'), $d::TIMESTAMP)",
                    {"d": first})
    try:
        con.execute(t.query())
    finally:
        con.execute("SET VARIABLE recompute_from = '-infinity'::TIMESTAMPTZ")
