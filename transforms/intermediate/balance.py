"""The balance engine: recomputed funding of every account (rules.md §1 and §6).

DuckDB does the set work, one file per table (a folder with schema.yaml for the tables kept in
the warehouse): `int_balance__lots/query.sql` lists the lots (succeeded top-ups and grants),
`int_balance__events.sql` the events that move them (credits, expiries, refunds, checkpoint
probes) in the order of rules.md, `int_balance__anchors/query.sql` where usage falls between
them; `int_balance__steps.sql` cuts usage into segments, the calls of one account between two
consecutive events, summed, and lists the steps. The Python loop in `replay` walks events and
segments, never usage rows, in integer micro-yuan (`balance_replay.py`): a segment draws from the live lots in
burn-down order (config, default trial → discount → cash), earliest expiry first within a
grant kind (no expiry last), cash first-in-first-out; what no lot covers is uncovered.
The `OUTPUTS` files write the results back; `int_balance__daily.sql` splits a segment's draws by
business date where its calls fall on the segment's running total (calls in started_at,
request_id order), so the engine needs no cut at midnight.

The replay is restartable: it takes an optional start state (per lot: remaining, consumed,
discount used through it, voided, expired) and returns the end state, which `build` saves as
`intermediate.int_balance__state`. Replaying from a saved state at a cut instant gives the same
draws as one replay from the beginning (tests/test_balance_engine.py). A nightly run replays
everything (`build(con, ctx)`); an incremental night calls `build(con, ctx, since=<last
night's now>, state_table=<last night's int_balance__state>)` and must then append, not
replace, the daily figures (not done here: a later issue).

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
    int_balance__segments     (TEMP, like the int_<source> views: big and only read by the
                              rules of the same build) one row per segment and business date:
                              Σ amount, the platform's Σ parts
    int_balance__trial_segments  segments after a trial grant of the account expired: the
                              live trial balance and the balance of kinds burnt before trial
                              at the segment's start (for TRIAL_USED_AFTER_EXPIRY)
    int_balance__checkpoints  figures at the points other rules ask about (transforms/README.md)
    int_balance__daily        (TEMP) per account and business date: what moved that day, and
                              the platform's funding of that day's calls; its running totals
                              are intermediate.int_balance__positions (built after this)
    int_balance__state        the end state, one row per lot
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.db import AuditContext

# the walk itself (one method per kind of step); CREDIT, SEGMENT: the step codes tests read
from transforms.intermediate.balance_replay import CREDIT, SEGMENT, LotState, Replay, replay

__all__ = ["CREDIT", "SEGMENT", "LotState", "Replay", "build", "replay", "unordered_inserts"]

HERE = Path(__file__).resolve().parent

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
    "int_balance__segments.sql",
    "int_balance__trial_segments/query.sql",
    "int_balance__state/query.sql",
    "int_balance__checkpoints/query.sql",
    "int_balance__daily.sql",
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


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, *, since=None,
          state_table: str | None = None, timings=None) -> Replay:
    """Replay every account and write the intermediate.int_balance__* tables (see _build)."""
    with unordered_inserts(con):
        return _build(con, ctx, since=since, state_table=state_table, timings=timings)


def _build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, *, since=None,
           state_table: str | None = None, timings=None) -> Replay:
    """Replay every account and write the intermediate.int_balance__* tables.

    `since` (an instant) and `state_table` (a saved int_balance__state) restart the replay from
    a saved end-of-day state: only events and usage at or after `since` are walked.
    `timings(label)`, if given, is called after each stage (for benchmarks).
    """
    lap = timings or (lambda label: None)
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    con.execute("SET VARIABLE balance_since = coalesce($s::TIMESTAMPTZ, '-infinity'::TIMESTAMPTZ)",
                {"s": since})
    for name in ("int_balance__lots/query.sql", "int_balance__events.sql",
                 "int_balance__anchors/query.sql"):
        con.execute(_sql(name))
    lap("  events")
    if state_table is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _bal_restore (account_id VARCHAR, lot_idx BIGINT)")
    else:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _bal_restore AS
            SELECT l.account_id, l.lot_idx FROM {state_table} s
            JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)""")
    con.execute(_sql("int_balance__steps.sql"))
    lap("  segments and steps")

    lots = _fetch_ints(con, """
        SELECT CASE kind WHEN 'trial' THEN 0 WHEN 'discount' THEN 1 ELSE 2 END AS kind,
               lot_rank, link_idx, to_micro(amount) AS amount
        FROM intermediate.int_balance__lots ORDER BY lot_idx""")
    steps = _fetch_ints(con, "SELECT acct, typ, lot, amt FROM _bal_steps ORDER BY ord")
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
    lap("  outputs")
    for name in ("_bal_moves_arrow", "_bal_probes_arrow", "_bal_trial_arrow", "_bal_state_arrow"):
        con.unregister(name)
    return res
