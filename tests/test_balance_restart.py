"""A night that restarts the balance replay from the published night (balance.restart_point)
publishes the engine's tables exactly as a replay of all history does (issue 10, Part 2).

Night 1 is 2026-11-19 ("now" 2026-11-20T00:00+08:00 = T), night 2 is 2026-11-20. The data hold
what a restart must get right: a1's open segment (calls after its last event before T) goes on
past T and crosses from trial into a discount, a refund requested before T is decided after it,
a discount grant expires during night 2's day with a remainder, and invoices are issued on both
sides of T; a2 has nothing new; a3 is new on night 2; a4 has calls on both sides but no event.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from transforms.build import build_intermediate
from transforms.changes import Changes
from transforms.intermediate import balance

D = Decimal
NIGHT1, NIGHT2 = "2026-11-19", "2026-11-20"


def topup(tid, amount, paid_at, account="a1"):
    return {"topup_id": tid, "account_id": account, "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def grant(gid, kind, amount, granted_at, expires_at=None, topup_id=None, account="a1"):
    return {"grant_id": gid, "account_id": account, "kind": kind, "amount": amount,
            "granted_at": granted_at, "expires_at": expires_at, "topup_id": topup_id}


def call(rid, started_at, amount, account="a1"):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": "0", "trial_amount": "0", "discount_amount": "0"}


def version(account, at):
    return {"account_id": account, "updated_at": at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": "personal"}


def invoice(iid, account, issued_at, amount):
    return {"invoice_id": iid, "account_id": account, "issued_at": issued_at, "amount": amount,
            "title_type": "personal", "buyer_name": "x", "status": "issued"}


def _data(db) -> None:
    db.add("accounts", version("a1", "2026-11-01T09:00:00+08:00"), version("a2", "2026-11-01T09:00:00+08:00"),
           version("a3", "2026-11-20T08:00:00+08:00"))
    db.add("topups", topup("t1", "100.00", "2026-11-10T10:00:00+08:00"),
           topup("t2", "10.00", "2026-11-05T10:00:00+08:00", account="a2"),
           topup("t3", "5.00", "2026-11-20T08:30:00+08:00", account="a3"))
    db.add("grants",
           grant("g1", "trial", "6.00", "2026-11-01T10:00:00+08:00", "2026-11-25T00:00:00+08:00"),
           grant("d1", "discount", "5.00", "2026-11-10T10:00:00+08:00", topup_id="t1"),
           grant("d2", "discount", "5.00", "2026-11-12T10:00:00+08:00", "2026-11-20T12:00:00+08:00"))
    db.add("refunds", {"refund_id": "f1", "account_id": "a1", "topup_id": "t1",
                       "requested_at": "2026-11-15T10:00:00+08:00",
                       "decided_at": "2026-11-20T10:00:00+08:00", "status": "approved", "amount": "20.00"})
    db.add("invoices", invoice("i0", "a1", "2026-11-17T10:00:00+08:00", "0.50"),
           invoice("i1", "a1", "2026-11-20T14:00:00+08:00", "1.00"))
    db.add("usage",
           call("u1", "2026-11-16T10:00:00+08:00", "3.000000"),
           call("u2", "2026-11-19T10:00:00+08:00", "5.000000"),   # the open segment, before T
           call("u3", "2026-11-20T09:00:00+08:00", "1.000000"),   # ... and after T
           call("u4", "2026-11-20T13:00:00+08:00", "2.000000"),
           call("u5", "2026-11-20T15:00:00+08:00", "0.500000"),
           call("v1", "2026-11-06T10:00:00+08:00", "1.000000", account="a2"),
           call("w1", "2026-11-20T09:00:00+08:00", "6.000000", account="a3"),
           call("x1", "2026-11-18T10:00:00+08:00", "1.000000", account="a4"),
           call("x2", "2026-11-20T10:00:00+08:00", "1.000000", account="a4"))


def _tables(db) -> dict[str, list[tuple]]:
    names = [r[0] for r in db.query("SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory'"
                                    " AND schema_name = 'intermediate' ORDER BY 1")]
    out = {}
    for name in names:
        cols = [r[0] for r in db.query(f"DESCRIBE intermediate.{name}")]
        sel = ", ".join(f'"{c}"::VARCHAR' for c in cols)
        out[name] = db.query(f"SELECT {sel} FROM intermediate.{name} ORDER BY ALL")
    return out


@pytest.fixture
def published(tmp_path, make_db) -> Path:
    """Night 1's intermediate tables, as the published warehouse holds them."""
    path = tmp_path / "published.duckdb"
    night1 = make_db(NIGHT1)
    _data(night1)
    night1.build()
    night1.con.execute("ATTACH $p AS out", {"p": str(path)})
    night1.con.execute("CREATE SCHEMA out.intermediate")
    for name in _tables(night1):
        night1.con.execute(f"CREATE TABLE out.intermediate.{name} AS SELECT * FROM intermediate.{name}")
    night1.con.execute("DETACH out")
    return path


def _restarted(published: Path, caplog, make_db, kept: bool = False):
    """Night 2 restarted from night 1. `kept`: its database holds night 1's tables already, as
    a build started from a copy of the published warehouse does (balance.keep_published)."""
    night2 = make_db(NIGHT2)
    _data(night2)
    night2.con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(published)})
    if kept:
        night2.con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        for name in balance.KEPT:
            night2.con.execute(f"CREATE TABLE intermediate.{balance.KEPT_PREFIX}{name} AS"
                               f" SELECT * FROM prev.intermediate.{name}")
    changes = Changes("prev", dt.date.fromisoformat(NIGHT1), "", {}, night2.con)
    with caplog.at_level(logging.INFO, logger="transforms.intermediate.balance"):
        build_intermediate(night2.con, night2.ctx, changes)
    said = [r.getMessage() for r in caplog.records]
    assert any("balance: restarting from the published night 2026-11-19" in m for m in said), \
        "the night did not restart"
    assert any(m.startswith("balance: the published rows of 7 tables kept in place") for m in said) == kept
    return night2


@pytest.mark.parametrize("kept", [False, True], ids=["copied", "kept-in-place"])
def test_a_restarted_night_publishes_the_tables_of_a_full_replay(published, caplog, make_db, kept):
    got = _tables(_restarted(published, caplog, make_db, kept))
    full = make_db(NIGHT2)
    _data(full)
    full.build()
    want = _tables(full)
    assert sorted(got) == sorted(want)  # and no kept table left beside them
    assert {"int_balance__movements", "int_balance__daily", "int_balance__positions"} <= set(want)
    assert [name for name in want if got[name] != want[name]] == []


@pytest.mark.parametrize("kept", [False, True], ids=["copied", "kept-in-place"])
def test_the_open_segment_is_drawn_again_whole_and_the_new_day_is_appended(published, caplog, make_db,
                                                                           kept):
    db = _restarted(published, caplog, make_db, kept)
    # a1: u1 3 after the refund's request (g1 3). i0 at 11-17 opens the segment u2 5 + u3 1 = 6,
    # drawn once: g1 its last 3, then d2 (expires first among discounts) 3, in one row each;
    # d2's remaining 2 is forfeited at 12:00 on 11-20; f1 (decided 11-20 10:00) debits t1 20
    # and voids d1's 5; u4 2 and u5 0.5 are cash.
    assert db.query("""SELECT lot_id, movement, amount, business_date FROM intermediate.int_balance__movements
                       WHERE account_id = 'a1' AND lot_id IN ('d2', 'd1', 't1') ORDER BY ALL""") == [
        ("d1", "void", D("5"), dt.date(2026, 11, 20)),
        ("d2", "draw", D("3"), dt.date(2026, 11, 19)),
        ("d2", "expire", D("2"), dt.date(2026, 11, 20)),
        ("t1", "draw", D("0.5"), dt.date(2026, 11, 20)),
        ("t1", "draw", D("2"), dt.date(2026, 11, 20)),
        ("t1", "refund_debit", D("20"), dt.date(2026, 11, 20))]
    # the published day keeps its split (u2's 5: g1 3, d2 2); the new day holds u3's d2 1
    assert db.query("""SELECT business_date, trial_consumed, discount_consumed, discount_expired,
                              cash_consumed, cash_refunded, invoiced
                       FROM int_balance__daily WHERE account_id = 'a1' AND business_date >= '2026-11-19'
                       ORDER BY 1""") == [
        (dt.date(2026, 11, 19), D("3"), D("2"), D(0), D(0), D(0), D(0)),
        (dt.date(2026, 11, 20), D(0), D("1"), D("7"), D("2.5"), D("20"), D("1"))]
    # the invoice after T sees both invoices and u4's cash; a2's last position now runs to 11-21
    assert db.query("""SELECT account_cash_consumed, account_invoiced, account_refunded
                       FROM intermediate.int_balance__checkpoints WHERE checkpoint_id = 'i1'""") == [
        (D("2"), D("1.5"), D("20"))]
    assert db.query("""SELECT business_date, next_date FROM intermediate.int_balance__positions
                       WHERE account_id = 'a2' ORDER BY 1""") == [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 5)), (dt.date(2026, 11, 5), dt.date(2026, 11, 6)),
        (dt.date(2026, 11, 6), dt.date(2026, 11, 21))]


def test_an_earlier_refund_of_a_top_up_paid_after_the_published_night_replays_everything(
        published, caplog, make_db):
    night2 = make_db(NIGHT2)
    _data(night2)
    # r9 (requested before T) names t9, paid only on night 2: its earlier replay changes
    night2.add("topups", topup("t9", "7.00", "2026-11-20T11:00:00+08:00"))
    night2.add("refunds", {"refund_id": "r9", "account_id": "a1", "topup_id": "t9",
                           "requested_at": "2026-11-18T10:00:00+08:00", "status": "pending",
                           "amount": "7.00"})
    night2.con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": str(published)})
    # as a build started from a copy of the published warehouse holds them: a full replay
    # keeps none of them
    night2.con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    night2.con.execute(f"CREATE TABLE intermediate.{balance.KEPT_PREFIX}int_balance__daily AS"
                       " SELECT * FROM prev.intermediate.int_balance__daily")
    changes = Changes("prev", dt.date.fromisoformat(NIGHT1), "", {}, night2.con)
    with caplog.at_level(logging.INFO, logger="transforms.intermediate.balance"):
        build_intermediate(night2.con, night2.ctx, changes)
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("balance:")] == [
        ("balance: replaying all history: 1 refunds or discount grants before "
         "2026-11-19T16:00:00+00:00 name a top-up paid after it")]
    assert balance.INCREMENTAL
    assert [n for n in _tables(night2) if n.startswith(balance.KEPT_PREFIX)] == []
