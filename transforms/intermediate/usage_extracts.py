"""Two small tables drawn from usage history, so the rules that reach back to any date read a
few rows instead of every call, each carried from the published warehouse where that is exact:

    intermediate.int_claims__caps     each claim's liability cap (Zhipu §9.5), read by
                                      marts.liability_caps and LIABILITY_CAP_EXCEEDED
    intermediate.int_usage__labelled  the calls with a moderation label, read by
                                      CONTENT_VIOLATIONS_REPEATED

A night that carries the published warehouse (transforms/changes.py) keeps the published rows
of business dates before the first date tonight's new calls touch: no call of those dates can
have changed (a changed or displaced record, other settings or code recompute everything), and
a call of a later date started after them. For a cap that date is the claim's filed_at (a cap
sums the calls up to it); for a labelled call its started_at. The table's query.sql then adds
the rest: the caps of the other claims (new, late, or filed on a date tonight's calls touch),
reading only their accounts' calls; the labelled calls from getvariable('recompute_from').
"""

from __future__ import annotations

import logging

import duckdb

from core.db import AuditContext
from core.sql import bind, ident
from transforms.changes import Changes
from transforms.schema import ddl, table

log = logging.getLogger(__name__)

CAPS = "intermediate.int_claims__caps"
LABELLED = "intermediate.int_usage__labelled"

# the published rows kept (FROM {prev} p, $first the first date recomputed), and what is logged
KEEP = {
    CAPS: ("""SELECT p.* FROM {prev} p
              JOIN int_claims c ON c.claim_id = p.claim_id AND c.filed_at = p.filed_at
               AND c.account_id IS NOT DISTINCT FROM p.account_id
               AND c.model IS NOT DISTINCT FROM p.model
              WHERE biz_date(p.filed_at) < $first AND p.cap_basis = $cap_basis""",
           "liability caps: %d carried (filed before %s)"),
    LABELLED: ("SELECT p.* FROM {prev} p WHERE biz_date(p.started_at) < $first",
               "labelled calls: %d carried (dates before %s)"),
}


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext,
          changes: Changes | None = None) -> None:
    for name in (CAPS, LABELLED):
        _build(con, ctx, changes, name)


def _build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, changes: Changes | None,
           name: str) -> None:
    t = table(name)
    con.execute(ddl(t))
    first = changes.carry_from(con, name, {"usage": ("started_at",)}) if changes else None
    if first is not None:
        keep, said = KEEP[name]
        keep = f"INSERT INTO {name} " + keep.format(prev=f"{ident(changes.previous)}.{name}")
        kept = con.execute(keep, bind(keep, {**ctx.params(), "first": first})).fetchone()[0]
        log.info(said, kept, first)
        con.execute("SET VARIABLE recompute_from = timezone(getvariable('tz'), $d::TIMESTAMP)",
                    {"d": first})
    try:
        sql = t.query()
        con.execute(sql, bind(sql, ctx.params()))
    finally:
        con.execute("SET VARIABLE recompute_from = '-infinity'::TIMESTAMPTZ")
