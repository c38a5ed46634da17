"""The balance engine: recomputed funding of every account (rules.md §1 and §6).

DuckDB does the set work, one file per table (a folder with schema.yaml for the tables kept in
the warehouse): `int_balance__lots/query.sql` lists the lots (succeeded top-ups and grants),
`int_balance__events.sql` the events that move them (credits, expiries, refunds, checkpoint
probes) in the order of rules.md, `int_balance__anchors/query.sql` where usage falls between
them; `int_balance__segdays.sql` cuts usage into segments, the calls of one account between two
consecutive events, summed, and `int_balance__steps.sql` lists the steps. The Python loop in `replay` walks events and
segments, never usage rows, in integer micro-yuan (`balance_replay.py`): a segment draws from the live lots in
burn-down order (config, default trial → discount → cash), earliest expiry first within a
grant kind (no expiry last), cash first-in-first-out; what no lot covers is uncovered.
The `OUTPUTS` files write the results back; `int_balance__daily.sql` splits a segment's draws by
business date where its calls fall on the segment's running total (calls in started_at,
request_id order), so the engine needs no cut at midnight.

The replay is restartable: it takes an optional start state (per lot: remaining, consumed,
discount used through it, voided, expired) and returns the end state, which `build` saves as
`intermediate.int_balance__state`. Replaying from a saved state at a cut instant gives the same
draws as one replay from the beginning (tests/test_balance_engine.py). A night restarts from
the published night when `restart_point` finds that exact (transforms/README.md "Nights"):
`build(con, ctx, restart=...)` walks only the accounts with an event or call since then, draws
their open segment again whole, and writes the published rows of every other step beside
tonight's (tests/test_balance_restart.py: the same tables as a full replay). Event and step
numbers (eord, ord) count within an account, so neither path renumbers another account.

Readings where the spec leaves room:
- A refund belongs to its top-up's account; a discount is linked only to a top-up of its own
  account. A refund of an unknown or failed top-up debits nothing (and has nothing refundable).
- A grant whose expires_at is before its granted_at is credited and forfeited at granted_at.
- A business date whose calls of one segment sum below zero counts as zero (usage rows are
  charges, never credits).
- "Just before" a refund: credits, expiries and refunds that sort before it at its instant are
  applied, usage at that instant is not; invoices issued at that instant are not yet counted
  (invoices see the usage of their instant, so they sort after it and after the refund).
- Usage rows are taken as staged: staging keeps one row per request_id.

Tables written (schema intermediate unless TEMP):
    int_balance__lots         one row per lot, with its burn-down rank
    int_balance__anchors      event keys for placing usage rows in segments
    int_balance__movements    one row per (step, lot) money movement: draw (per segment and
                              lot, with its offset on the segment's running total), expire,
                              void, refund_debit, uncovered (lot null)
    int_balance__segments     one row per segment and business date: Σ amount, the
                              platform's Σ parts (rules read it as the TEMP view of that name)
    int_balance__trial_segments  segments after a trial grant of the account expired: the
                              live trial balance and the balance of kinds burnt before trial
                              at the segment's start (for TRIAL_USED_AFTER_EXPIRY)
    int_balance__checkpoints  figures at the points other rules ask about (transforms/README.md)
    int_balance__daily        per account and business date: what moved that day, and the
                              platform's funding of that day's calls (rules and marts read the
                              TEMP view of that name); its running totals are
                              intermediate.int_balance__positions (built after this)
    int_balance__state        the end state, one row per lot
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.db import AuditContext
from transforms.changes import Changes

# the walk itself (one method per kind of step); CREDIT, SEGMENT: the step codes tests read
from transforms.intermediate.balance_replay import (
    CREDIT,
    DISCOUNT,
    SEGMENT,
    LotState,
    Replay,
    replay,
)

__all__ = ["CREDIT", "SEGMENT", "LotState", "Replay", "Restart", "build", "carry_positions",
           "keep_published", "replay", "restart_point", "unordered_inserts"]

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)

# A night restarts the replay from the published night's state when that is exact
# (restart_point); False replays all history every night.
INCREMENTAL = True
# the balance inputs and the times at which their records take effect (transforms.changes)
INPUTS = {"usage": ("started_at",), "topups": ("paid_at",), "grants": ("granted_at", "expires_at"),
          "refunds": ("requested_at", "decided_at"), "invoices": ("issued_at",),
          "accounts": ("updated_at",)}
# the cumulative figures of int_balance__positions (sums of int_balance__daily's columns)
POSITION_SUMS = ("cash_credited", "cash_consumed", "cash_refunded", "trial_credited", "trial_consumed",
                 "trial_expired", "discount_credited", "discount_consumed", "discount_expired",
                 "invoiced", "uncovered")
# the published tables a restart reads
CARRIED = ("int_balance__anchors", "int_balance__movements", "int_balance__trial_segments",
           "int_balance__state", "int_balance__checkpoints", "int_balance__segments",
           "int_balance__daily", "int_balance__positions")

@contextlib.contextmanager
def unordered_inserts(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write big CREATE TABLE AS results in parallel, out of order (about twice as
    fast on 10M usage rows); every order this engine relies on is an explicit ORDER BY. The
    connection's own setting is restored afterwards."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


# the engine's results back in the warehouse, in this order (later files read earlier tables)
OUTPUTS = (
    "int_balance__movements/query.sql",
    "int_balance__segments/query.sql",
    "int_balance__trial_segments/query.sql",
    "int_balance__state/query.sql",
    "int_balance__checkpoints/query.sql",
    "int_balance__daily/query.sql",
)


def _sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _ints(values) -> pa.Array:
    """Integer micro-yuan for DuckDB: int64 while every value fits (fast), else DECIMAL(38, 0).
    A lot may hold 9,999,999,999,999,999.99 yuan (the contract's DECIMAL(18,2)) and sums more,
    past int64's 9.2e18 micro-yuan; the engine's Python ints never overflow, only the transfer."""
    try:
        return pa.array(values, pa.int64())
    except (OverflowError, pa.ArrowInvalid):
        return pa.array(values, pa.decimal128(38, 0))


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict) -> None:
    con.register(name, pa.table({k: pa.array(v) if isinstance(v, np.ndarray) else _ints(v)
                                 for k, v in columns.items()}))


def _fetch_ints(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list[int]]:
    """A query's integer columns as Python ints. DuckDB's numpy export turns HUGEINT (the
    micro-yuan of to_micro) into float64, so they come through Arrow as DECIMAL(38, 0): cast to
    int64 where every value fits, else one exact Python int per value."""
    t = con.sql(sql).to_arrow_table()
    out = {}
    for name in t.column_names:
        col = t.column(name)
        if pa.types.is_decimal(col.type):
            try:
                col = pc.cast(col, pa.int64())
            except pa.ArrowInvalid:
                out[name] = [int(x) for x in col.to_pylist()]
                continue
        out[name] = col.to_numpy().tolist()
    return out


@dataclass(frozen=True)
class Restart:
    """Where an incremental night restarts: the published warehouse (catalog `previous`), its
    "now" (`since`, the start of `from_date`), whose saved state the replay continues."""

    previous: str
    since: dt.datetime
    from_date: dt.date


def restart_point(con: duckdb.DuckDBPyConnection, ctx: AuditContext,
                  changes: Changes | None) -> Restart | None:
    """The published night to restart from, or None (full replay) with one log line saying why.

    A restart is taken only when it is exact: nothing published is stale (`changes`), no new
    balance record is stamped before the published night's end, the published tables this
    restart reads exist and hold that night's state, and no new top-up is the lot of an earlier
    refund or discount grant (it would change how that earlier event was replayed)."""
    why = _why_full(con, ctx, changes)
    if why:
        log.info("balance: replaying all history: %s", why)
        return None
    prev = changes.previous
    since = AuditContext(changes.published_date, ctx.config).now
    log.info("balance: restarting from the published night %s (its state at %s)",
             changes.published_date, since.isoformat())
    return Restart(prev, since, changes.published_date + dt.timedelta(days=1))


def _why_full(con: duckdb.DuckDBPyConnection, ctx: AuditContext, changes: Changes | None) -> str:
    if not INCREMENTAL:
        return "the incremental replay is switched off (balance.INCREMENTAL)"
    if changes is None or changes.full:
        return changes.reason if changes is not None else "no published night given"
    first = changes.published_date + dt.timedelta(days=1)
    k = changes.from_date(INPUTS)
    if k is None or k < first:
        return f"new files hold balance records of {k}, before the published night {changes.published_date} ended"
    prev = changes.previous
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $c AND schema_name = 'intermediate'",
        {"c": prev}).fetchall()}
    missing = sorted(set(CARRIED) - have)
    if missing:
        return f"the published warehouse has no {', '.join(missing)}"
    since = AuditContext(changes.published_date, ctx.config).now
    stale = con.execute(f"""
        SELECT (SELECT count(*) FROM {prev}.intermediate.int_balance__state WHERE as_of <> $t)
             + (SELECT count(*) FROM {prev}.intermediate.int_balance__positions
                WHERE next_date > $k)""", {"t": since, "k": first}).fetchone()[0]
    if stale:
        return f"the published balance tables do not hold the state at {since.isoformat()}"
    # an earlier refund or discount grant of a top-up credited only now: its replay changes
    late_lot = con.execute("""
        WITH new_topups AS (SELECT account_id, topup_id FROM int_topups
                            WHERE succeeded AND paid_at >= $t)
        SELECT (SELECT count(*) FROM int_refunds r SEMI JOIN new_topups n USING (topup_id)
                WHERE least(r.requested_at, r.effective_at) < $t)
             + (SELECT count(*) FROM int_grants g SEMI JOIN new_topups n USING (account_id, topup_id)
                WHERE g.kind = 'discount' AND g.granted_at < $t)""", {"t": since}).fetchone()[0]
    if late_lot:
        return f"{late_lot} refunds or discount grants before {since.isoformat()} name a top-up paid after it"
    return ""


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, *, since=None,
          state_table: str | None = None, restart: Restart | None = None, timings=None) -> Replay:
    """Replay every account and write the intermediate.int_balance__* tables (see _build)."""
    with unordered_inserts(con):
        return _build(con, ctx, since=since, state_table=state_table, restart=restart,
                      timings=timings)


def _build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, *, since=None,
           state_table: str | None = None, restart: Restart | None = None, timings=None) -> Replay:
    """Replay every account and write the intermediate.int_balance__* tables.

    `since` (an instant) and `state_table` (a saved int_balance__state) restart the replay from
    a saved end-of-day state: only events and usage at or after `since` are walked, and only
    their rows are written. `restart` (restart_point) does that from the published night and
    writes the whole tables: its rows before the restart carried, the open segments drawn again.
    `timings(label)`, if given, is called after each stage (for benchmarks).
    """
    lap = timings or (lambda label: None)
    if restart is not None:
        since, state_table = restart.since, f"{restart.previous}.intermediate.int_balance__state"
    prev = restart.previous if restart is not None else None
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    if prev is None:
        drop_kept(con)
    con.execute("SET VARIABLE balance_since = coalesce($s::TIMESTAMPTZ, '-infinity'::TIMESTAMPTZ)",
                {"s": since})
    if prev is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _bal_eord_base (account_id VARCHAR, n BIGINT)")
    else:
        # per account, its events before the restart: their eords are 1..n
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_eord_base AS
            SELECT account_id, max(eord) AS n FROM {prev}.intermediate.int_balance__anchors
            GROUP BY account_id""")
    for name in ("int_balance__lots/query.sql", "int_balance__events.sql",
                 "int_balance__anchors/query.sql"):
        con.execute(_sql(name))
    lap("  events")
    con.execute("CREATE OR REPLACE TEMP TABLE _bal_open "
                "(account_id VARCHAR, anchor BIGINT, business_date DATE, micro HUGEINT)")
    if state_table is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _bal_restore (account_id VARCHAR, lot_idx BIGINT)")
    elif prev is None:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_restore AS
            SELECT l.account_id, l.lot_idx FROM {state_table} s
            JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)""")
    con.execute(_sql("int_balance__segdays.sql"))
    undo: list = []
    if prev is not None:
        undo = _open_segments(con, prev)
    con.execute(_sql("int_balance__steps.sql"))
    lap("  segments and steps")

    lots = _fetch_ints(con, """
        SELECT CASE kind WHEN 'trial' THEN 0 WHEN 'discount' THEN 1 ELSE 2 END AS kind,
               lot_rank, link_idx, to_micro(amount) AS amount
        FROM intermediate.int_balance__lots ORDER BY lot_idx""")
    steps = _fetch_ints(con, "SELECT acct, typ, lot, amt FROM _bal_steps ORDER BY step")
    n = len(lots["kind"])
    lap("  fetch")
    start = None
    if state_table is not None:
        start = LotState.empty(n)
        rows = con.execute(f"""
            SELECT l.lot_idx, to_micro(s.remaining), to_micro(s.consumed), to_micro(s.discount_used),
                   s.voided, s.expired
            FROM {state_table} s JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)""").fetchall()
        for idx, rem, con_, du, vo, ex in rows:
            start.remaining[idx], start.consumed[idx], start.discount_used[idx] = rem, con_, du
            start.voided[idx], start.expired[idx] = vo, ex
        # the open segments are drawn again whole: take their draws back first (exactly what
        # _Walk.segment did)
        for idx, d in undo:
            start.remaining[idx] += d
            start.consumed[idx] -= d
            if lots["kind"][idx] == DISCOUNT and lots["link_idx"][idx] >= 0:
                start.discount_used[lots["link_idx"][idx]] -= d

    res = replay(steps["acct"], steps["typ"], steps["lot"], steps["amt"], lots["kind"],
                 lots["lot_rank"], lots["link_idx"], lots["amount"],
                 ctx.config.balance.burn_down, start)
    del steps
    lap("  replay")

    _register(con, "_bal_moves_arrow", res.moves)
    _register(con, "_bal_probes_arrow", res.probes)
    _register(con, "_bal_trial_arrow", res.trial)
    st = res.state
    _register(con, "_bal_state_arrow", {
        "lot_idx": np.arange(n, dtype=np.int64),
        "remaining": st.remaining, "consumed": st.consumed, "discount_used": st.discount_used,
        "voided": np.array(st.voided, bool), "expired": np.array(st.expired, bool)})
    for name in OUTPUTS:
        con.execute(_sql(name))
    if prev is not None:
        _carry(con, prev)
    # what int_balance__positions/query.sql continues from: nothing, or the published positions
    # the restart follows (their next_date is the restart's first date)
    figures = ", ".join(POSITION_SUMS)
    if restart is None:
        con.execute("SET VARIABLE balance_from = '-infinity'::DATE")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_position_base AS
            SELECT account_id, {figures} FROM intermediate.int_balance__daily LIMIT 0""")
    else:
        con.execute("SET VARIABLE balance_from = $k::DATE", {"k": restart.from_date})
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_position_base AS
            SELECT account_id, {figures} FROM {prev}.intermediate.int_balance__positions
            WHERE next_date = $k""", {"k": restart.from_date})
    lap("  outputs")
    for name in ("_bal_moves_arrow", "_bal_probes_arrow", "_bal_trial_arrow", "_bal_state_arrow"):
        con.unregister(name)
    return res


def _open_segments(con: duckdb.DuckDBPyConnection, prev: str) -> list[tuple[int, int]]:
    """On a restart: the accounts walked tonight (_bal_touched: a new event or call), their
    open segments (_bal_open: the calls after their last event before the restart, as
    published), the lots restored (_bal_restore), and the open segments' draws to take back
    [(lot_idx, micro)]."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _bal_touched AS
        SELECT DISTINCT account_id FROM _bal_events UNION SELECT DISTINCT account_id FROM _bal_segdays""")
    con.execute(f"""INSERT INTO _bal_open
        SELECT g.account_id, g.anchor, g.business_date, greatest(to_micro(g.amount), 0)
        FROM {prev}.intermediate.int_balance__segments g
        SEMI JOIN _bal_touched t USING (account_id)
        LEFT JOIN _bal_eord_base b USING (account_id)
        WHERE g.anchor = coalesce(b.n, 0)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_restore AS
        SELECT l.account_id, l.lot_idx FROM {prev}.intermediate.int_balance__state s
        JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)
        SEMI JOIN _bal_touched t ON t.account_id = l.account_id""")
    return [(int(i), int(d)) for i, d in con.execute(f"""
        SELECT l.lot_idx, to_micro(sum(m.amount))
        FROM {prev}.intermediate.int_balance__movements m
        SEMI JOIN (SELECT DISTINCT account_id, anchor FROM _bal_open) o
               ON o.account_id = m.account_id AND m.ord = 2 * o.anchor + 1
        JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)
        WHERE m.movement = 'draw'
        GROUP BY l.lot_idx""").fetchall()]


def _carry(con: duckdb.DuckDBPyConnection, prev: str) -> None:
    """On a restart: the published night's rows of the steps not walked again, added to
    tonight's (every table of the engine but lots and state, which are written whole). Kept
    in place where the build holds them (keep_published), else copied from `prev`."""
    p = f"{prev}.intermediate"
    kept = _kept(con)
    if kept:
        log.info("balance: the published rows of %d tables kept in place (the build started"
                 " from a copy of the published warehouse)", len(kept))
    redrawn = "(SELECT DISTINCT account_id, anchor FROM _bal_open)"
    # a redrawn open segment's published draws and trial segments are tonight's again
    for name, alias, redone in (
        ("int_balance__anchors", "a", None),
        ("int_balance__movements", "m", "o.account_id = m.account_id AND m.ord = 2 * o.anchor + 1"),
        ("int_balance__trial_segments", "t", "o.account_id = t.account_id AND o.anchor = t.anchor"),
        ("int_balance__checkpoints", "c", None),
        ("int_balance__segments", "g", None),
        ("int_balance__daily", "d", None),
    ):
        if name in kept:
            if redone:
                con.execute(f"DELETE FROM intermediate.{KEPT_PREFIX}{name} AS {alias}"
                            f" USING {redrawn} o WHERE {redone}")
            _adopt(con, name)
        else:
            con.execute(f"INSERT INTO intermediate.{name} BY NAME SELECT * FROM {p}.{name} {alias}"
                        + (f" ANTI JOIN {redrawn} o ON {redone}" if redone else ""))


def carry_positions(con: duckdb.DuckDBPyConnection, ctx: AuditContext, restart: Restart) -> None:
    """On a restart, after int_balance__positions/query.sql wrote the positions of the dates
    from restart.from_date on: the published positions of earlier dates, each account's last
    one now valid until its first new position (or tomorrow). Kept in place where the build
    holds them (keep_published), else copied from the published warehouse."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _bal_next AS
        SELECT account_id, min(business_date) AS next_date
        FROM intermediate.int_balance__positions GROUP BY account_id""")
    name = "int_balance__positions"
    args = {"k": restart.from_date, "d": ctx.business_date}
    if name in _kept(con):
        # only the published last positions (next_date = the restart's first date) change
        con.execute(f"""UPDATE intermediate.{KEPT_PREFIX}{name} AS p
            SET next_date = coalesce((SELECT n.next_date FROM _bal_next n
                                      WHERE n.account_id = p.account_id), $d::DATE + 1)
            WHERE p.next_date = $k""", args)
        _adopt(con, name)
    else:
        con.execute(f"""INSERT INTO intermediate.{name} BY NAME
            SELECT p.* REPLACE (CASE WHEN p.next_date = $k THEN coalesce(n.next_date, $d::DATE + 1)
                                     ELSE p.next_date END AS next_date)
            FROM {restart.previous}.intermediate.{name} p
            LEFT JOIN _bal_next n USING (account_id)""", args)
    con.execute("DROP TABLE _bal_next")


# A build may start from a byte copy of the published warehouse (ledger_audit/pipeline/
# step_audit.py: copying the file takes a fraction of a second where copying these tables row by
# row took seconds on a 10 M-call day). Everything in it is dropped but the tables a restart
# keeps, renamed KEPT_PREFIX + name; a restart adds tonight's rows to them (_carry,
# carry_positions), and a full replay drops them (_build).
KEPT = ("int_balance__anchors", "int_balance__movements", "int_balance__trial_segments",
        "int_balance__checkpoints", "int_balance__segments", "int_balance__daily",
        "int_balance__positions")
KEPT_PREFIX = "_kept__"


def keep_published(con: duckdb.DuckDBPyConnection) -> None:
    """On a database copied from the published warehouse: drop every view and table but the
    engine's KEPT tables, which are renamed KEPT_PREFIX + name (so the build finds the fresh
    database it expects, but for them)."""
    here = "database_name = current_database() AND NOT temporary"
    for schema, view in con.execute(f"SELECT schema_name, view_name FROM duckdb_views()"
                                    f" WHERE {here} AND NOT internal").fetchall():
        con.execute(f'DROP VIEW "{schema}"."{view}"')
    for schema, table in con.execute(f"SELECT schema_name, table_name FROM duckdb_tables()"
                                     f" WHERE {here}").fetchall():
        if schema == "intermediate" and table in KEPT:
            con.execute(f'ALTER TABLE intermediate."{table}" RENAME TO "{KEPT_PREFIX}{table}"')
        else:
            con.execute(f'DROP TABLE "{schema}"."{table}"')
    # the dropped tables' blocks are free for the build to reuse only once checkpointed: without
    # it every night's file would grow by what it dropped
    con.execute("CHECKPOINT")


def _kept(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The KEPT tables this build holds from the published warehouse (keep_published)."""
    return {t[len(KEPT_PREFIX):] for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'intermediate' AND starts_with(table_name, $p)",
        {"p": KEPT_PREFIX}).fetchall()}


def drop_kept(con: duckdb.DuckDBPyConnection) -> None:
    """A build that does not restart keeps nothing of the published warehouse."""
    for name in _kept(con):
        con.execute(f"DROP TABLE intermediate.{KEPT_PREFIX}{name}")


def _adopt(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Tonight's rows of `name` added to its kept published rows, which become the table."""
    con.execute(f"INSERT INTO intermediate.{KEPT_PREFIX}{name} BY NAME SELECT * FROM intermediate.{name}")
    con.execute(f"DROP TABLE intermediate.{name}")
    con.execute(f"ALTER TABLE intermediate.{KEPT_PREFIX}{name} RENAME TO {name}")
