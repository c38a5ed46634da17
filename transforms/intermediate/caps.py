"""intermediate.int_claims__caps: each claim's liability cap (Zhipu §9.5), read by
marts.liability_caps and the rule LIABILITY_CAP_EXCEEDED.

A cap sums the account's calls of the model up to the claim's filed_at, so it reads usage
history. A night that carries the published warehouse (transforms/changes.py) keeps the published
cap of a claim filed on a business date before the first date tonight's new calls touch: no call
counted in it can have changed (a changed or displaced record, other settings or code recompute
everything), and a call of a later date started after it was filed. Only the other claims, new
or late or filed on a date tonight's calls touch, read the calls, and only their accounts'.
"""

from __future__ import annotations

import logging

import duckdb

from core.db import AuditContext
from core.sql import bind, ident
from transforms.changes import Changes
from transforms.schema import ddl, table

log = logging.getLogger(__name__)

NAME = "intermediate.int_claims__caps"


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, changes: Changes | None = None) -> None:
    t = table(NAME)
    con.execute(ddl(t))
    first = changes.from_date({"usage": ("started_at",)}) if changes and not changes.full else None
    if first is not None and con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = $db"
            " AND schema_name = $s AND table_name = $t",
            {"db": changes.previous, "s": t.schema, "t": t.name}).fetchone()[0]:
        kept = con.execute(
            f"""INSERT INTO {NAME}
                SELECT p.* FROM {ident(changes.previous)}.{NAME} p
                JOIN int_claims c ON c.claim_id = p.claim_id AND c.filed_at = p.filed_at
                 AND c.account_id IS NOT DISTINCT FROM p.account_id
                 AND c.model IS NOT DISTINCT FROM p.model
                WHERE biz_date(p.filed_at) < $first AND p.cap_basis = $basis""",
            {"first": first, "basis": ctx.config.liability.cap_basis}).fetchone()[0]
        log.info("liability caps: %d carried (filed before %s)", kept, first)
    sql = t.query()
    con.execute(sql, bind(sql, ctx.params()))
