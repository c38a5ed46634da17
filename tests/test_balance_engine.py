"""The balance engine (transforms/intermediate/balance.py): recomputed funding, rules.md §1 and §6.

Every expected figure is worked out by hand from the spec in the comments. The run's business
date is 2026-11-20, so "now" is 2026-11-21T00:00+08:00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.config import Balance, Config
from transforms.intermediate import balance

D = Decimal


def topup(tid, amount, paid_at, account="a1"):
    return {"topup_id": tid, "account_id": account, "paid_at": paid_at, "amount": amount,
            "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}


def grant(gid, kind, amount, granted_at, expires_at=None, topup_id=None, account="a1"):
    return {"grant_id": gid, "account_id": account, "kind": kind, "amount": amount,
            "granted_at": granted_at, "expires_at": expires_at, "topup_id": topup_id}


def call(rid, started_at, amount, account="a1", trial="0"):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": "0", "trial_amount": trial, "discount_amount": "0"}


def refund(fid, topup_id, amount, decided_at, status="approved", account="a1"):
    return {"refund_id": fid, "account_id": account, "topup_id": topup_id,
            "requested_at": decided_at, "decided_at": decided_at, "status": status, "amount": amount}


def movements(db, where="true"):
    """(lot_id, movement, amount) summed, sorted."""
    return db.query(f"""
        SELECT coalesce(lot_id, '-'), movement, sum(amount)
        FROM intermediate.int_balance__movements WHERE {where}
        GROUP BY ALL ORDER BY 1, 2""")


def test_burn_down_trial_then_discount_then_cash_earliest_expiry_first_then_fifo(db):
    db.add("grants",
           # trial: g_soon expires first though granted later -> drawn first
           grant("g_late", "trial", "10.00", "2026-11-01T10:00:00+08:00", "2026-11-25T00:00:00+08:00"),
           grant("g_soon", "trial", "5.00", "2026-11-02T10:00:00+08:00", "2026-11-24T00:00:00+08:00"),
           # discount: d2 has an expiry, d1 none (sorts last)
           grant("d1", "discount", "8.00", "2026-11-01T10:00:00+08:00"),
           grant("d2", "discount", "4.00", "2026-11-03T10:00:00+08:00", "2026-11-30T00:00:00+08:00"))
    db.add("topups",
           topup("t2", "20.00", "2026-11-03T10:00:00+08:00"),
           topup("t1", "30.00", "2026-11-02T10:00:00+08:00"))  # paid first -> drawn first
    db.add("usage", call("r1", "2026-11-10T10:00:00+08:00", "60.000000"),
           call("r2", "2026-11-10T11:00:00+08:00", "10.000000"))
    db.build()
    # 70 = g_soon 5 + g_late 10 + d2 4 + d1 8 (= 27) + t1 30 + t2 13
    assert movements(db) == [
        ("d1", "draw", D("8")), ("d2", "draw", D("4")),
        ("g_late", "draw", D("10")), ("g_soon", "draw", D("5")),
        ("t1", "draw", D("30")), ("t2", "draw", D("13"))]


def test_a_discount_without_expiry_is_drawn_after_one_that_expires(db):
    db.add("grants", grant("d_never", "discount", "5.00", "2026-11-01T10:00:00+08:00"),
           grant("d_exp", "discount", "5.00", "2026-11-02T10:00:00+08:00", "2026-11-30T00:00:00+08:00"))
    db.add("usage", call("r1", "2026-11-10T10:00:00+08:00", "6.000000"))
    db.build()
    # d_exp first although granted later: 5; then d_never 1
    assert movements(db) == [("d_exp", "draw", D("5")), ("d_never", "draw", D("1"))]


def test_the_engine_walks_segments_not_usage_rows(db):
    db.add("topups", topup("t1", "1000.00", "2026-11-01T10:00:00+08:00"))
    db.add("usage", *[call(f"r{i:04d}", f"2026-11-10T10:{i // 60:02d}:{i % 60:02d}+08:00", "0.010000")
                      for i in range(1000)])
    db.build()
    # one event (the top-up), then 1000 calls on one business date: one segment of 10.00
    assert db.query("SELECT typ, count(*), sum(amt) FROM _bal_steps GROUP BY typ ORDER BY typ") == [
        (balance.CREDIT, 1, 1_000_000_000), (balance.SEGMENT, 1, 10_000_000)]
    assert movements(db) == [("t1", "draw", D("10"))]


def test_usage_at_exactly_the_expiry_is_not_funded_by_the_grant(db):
    db.add("grants", grant("g1", "trial", "10.00", "2026-11-01T10:00:00+08:00",
                           "2026-11-10T12:00:00+08:00"))
    db.add("topups", topup("t1", "50.00", "2026-11-01T10:00:00+08:00"))
    db.add("usage",
           call("r0", "2026-11-10T11:59:59.999999+08:00", "2.000000"),  # trial still live
           call("r1", "2026-11-10T12:00:00+08:00", "3.000000"))  # expiry first: cash
    db.build()
    # g1: 2 drawn, 10 - 2 = 8 forfeited at 12:00; r1's 3 from t1
    assert movements(db) == [("g1", "draw", D("2")), ("g1", "expire", D("8")), ("t1", "draw", D("3"))]


def test_grant_expiring_exactly_at_now_has_not_expired(db):
    db.add("grants", grant("g1", "trial", "10.00", "2026-11-01T10:00:00+08:00",
                           "2026-11-21T00:00:00+08:00"))
    db.build()
    assert movements(db) == []
    assert db.query("SELECT remaining, expired FROM intermediate.int_balance__state") == [(D("10"), False)]


def test_credit_at_the_same_instant_as_a_call_funds_it(db):
    db.add("topups", topup("t1", "5.00", "2026-11-10T12:00:00+08:00"))
    db.add("usage", call("r1", "2026-11-10T12:00:00+08:00", "5.000000"))
    db.build()
    assert movements(db) == [("t1", "draw", D("5"))]


def test_usage_beyond_every_lot_is_uncovered(db):
    db.add("topups", topup("t1", "10.00", "2026-11-01T10:00:00+08:00"))
    db.add("usage", call("r1", "2026-11-10T10:00:00+08:00", "12.500000"))
    db.build()
    assert movements(db) == [("-", "uncovered", D("2.5")), ("t1", "draw", D("10"))]


def test_refund_at_the_same_instant_as_a_call_is_applied_first(db):
    db.add("topups", topup("t1", "10.00", "2026-11-01T10:00:00+08:00"))
    db.add("refunds", refund("f1", "t1", "10.00", "2026-11-10T12:00:00+08:00"))
    db.add("usage", call("r1", "2026-11-10T12:00:00+08:00", "4.000000"))
    db.build()
    # the refund takes all 10 of t1, so the call at the same instant is uncovered
    assert movements(db) == [("-", "uncovered", D("4")), ("t1", "refund_debit", D("10"))]


def test_refund_debits_what_is_left_and_voids_linked_discounts_even_granted_later(db):
    db.add("topups", topup("t1", "50.00", "2026-11-01T10:00:00+08:00"))
    db.add("grants",
           grant("d1", "discount", "10.00", "2026-11-01T10:00:00+08:00", topup_id="t1"),
           grant("d2", "discount", "6.00", "2026-11-01T10:00:00+08:00"),  # not linked
           grant("d3", "discount", "3.00", "2026-11-07T10:00:00+08:00", topup_id="t1"))
    db.add("usage", call("r1", "2026-11-05T10:00:00+08:00", "5.000000"),
           call("r2", "2026-11-08T10:00:00+08:00", "10.000000"))
    db.add("refunds", refund("f1", "t1", "60.00", "2026-11-06T10:00:00+08:00"),
           refund("f0", "t1", "1.00", "2026-11-06T09:00:00+08:00", status="rejected"))
    db.build()
    # r1 5: d1 and d2 tie on (no expiry, granted_at) -> d1 by grant_id: d1 5.
    # f1 60 at 11-06: debits min(60, 50) = 50 of t1; voids d1's remaining 5.
    # d3 linked to t1, granted after the refund: void at once (3).
    # r2 10: d2 6, then nothing left: uncovered 4. The rejected f0 moves nothing.
    assert movements(db) == [
        ("-", "uncovered", D("4")), ("d1", "draw", D("5")), ("d1", "void", D("5")),
        ("d2", "draw", D("6")), ("d3", "void", D("3")), ("t1", "refund_debit", D("50"))]


def test_burn_down_order_is_a_setting(make_db):
    db = make_db(config=Config(balance=Balance(burn_down=("cash", "trial", "discount"))))
    db.add("topups", topup("t1", "3.00", "2026-11-01T10:00:00+08:00"))
    db.add("grants", grant("g1", "trial", "10.00", "2026-11-01T10:00:00+08:00"),
           grant("d1", "discount", "10.00", "2026-11-01T10:00:00+08:00"))
    db.add("usage", call("r1", "2026-11-05T10:00:00+08:00", "5.000000"))
    db.build()
    # cash first: t1 3, then trial g1 2
    assert movements(db) == [("g1", "draw", D("2")), ("t1", "draw", D("3"))]


def test_draws_of_a_segment_spanning_two_business_dates_are_split_where_the_calls_fall(db):
    db.add("grants", grant("g1", "trial", "1.50", "2026-11-01T10:00:00+08:00", "2026-11-30T00:00:00+08:00"))
    db.add("topups", topup("t1", "100.00", "2026-11-01T10:00:00+08:00"))
    db.add("usage",
           call("r1", "2026-11-10T23:30:00+08:00", "1.000000"),  # business date 11-10
           call("r2", "2026-11-11T00:30:00+08:00", "2.000000"))  # 11-10 in UTC, 11-11 here
    db.build()
    # one segment of 3: trial 1.5 then cash 1.5. 11-10's call is the first 1 of it (trial);
    # 11-11's call is the next 2: trial 0.5 and cash 1.5
    assert db.query("""SELECT business_date, trial_consumed, cash_consumed
                       FROM int_balance__daily ORDER BY 1""") == [
        (dt.date(2026, 11, 1), D(0), D(0)),  # the credits' day
        (dt.date(2026, 11, 10), D("1"), D(0)),
        (dt.date(2026, 11, 11), D("0.5"), D("1.5"))]
    # the engine drew the segment once, in one step per lot
    assert movements(db) == [("g1", "draw", D("1.5")), ("t1", "draw", D("1.5"))]


def test_checkpoints_just_before_a_refund_and_inclusive_at_an_invoice(db):
    db.add("topups", topup("t1", "100.00", "2026-11-01T10:00:00+08:00"))
    db.add("grants", grant("d1", "discount", "5.00", "2026-11-01T10:00:00+08:00", topup_id="t1"))
    db.add("usage", call("r1", "2026-11-05T10:00:00+08:00", "25.000000"),
           call("r2", "2026-11-06T10:00:00+08:00", "7.000000"))
    # two refunds at one instant: fb sees fa (fa < fb by refund_id), neither sees r2 at that instant
    db.add("refunds", refund("fa", "t1", "10.00", "2026-11-06T10:00:00+08:00", status="paid"),
           refund("fb", "t1", "10.00", "2026-11-06T10:00:00+08:00"))
    db.add("invoices", {"invoice_id": "i1", "account_id": "a1", "issued_at": "2026-11-06T10:00:00+08:00",
                        "amount": "30.00", "title_type": "personal", "buyer_name": "x", "status": "issued"})
    db.build()
    rows = db.query("""
        SELECT checkpoint_id, account_cash_consumed, account_refunded, account_invoiced,
               account_over_invoiced, account_refundable, topup_cash_consumed, topup_refunded,
               topup_discount_used, topup_refundable
        FROM intermediate.int_balance__checkpoints
        WHERE checkpoint_kind IN ('refund_decided', 'invoice_issued') ORDER BY checkpoint_id""")
    # r1 25 = d1 5 + t1 20. Before fa: cash consumed 20, refunded 0, invoiced 0;
    #   refundable(t1) = 100 - 20 - 0 - 5 = 75; account refundable = 100 - 20 - 0 = 80.
    # Before fb: fa applied (refunded 10); refundable(t1) = 65; account 70.
    # At i1 (includes r2 7 from t1): consumed 27, refunded 20, invoiced 30 -> over 3,
    #   unconsumed 100 - 27 - 20 = 53, refundable 53 - 3 = 50; t1 100-27-20-5 = 48.
    assert rows == [
        ("fa", D("20"), D("0"), D("0"), D("0"), D("80"), D("20"), D("0"), D("5"), D("75")),
        ("fb", D("20"), D("10"), D("0"), D("0"), D("70"), D("20"), D("10"), D("5"), D("65")),
        ("i1", D("27"), D("20"), D("30"), D("3"), D("50"), None, None, None, None),
    ]


def _restart_data(db):
    db.add("topups", topup("t1", "30.00", "2026-11-02T10:00:00+08:00"),
           topup("t2", "40.00", "2026-11-12T10:00:00+08:00"),
           topup("t3", "10.00", "2026-11-02T10:00:00+08:00", account="a2"))
    db.add("grants", grant("g1", "trial", "10.00", "2026-11-01T10:00:00+08:00", "2026-11-13T10:00:00+08:00"),
           grant("d1", "discount", "8.00", "2026-11-02T10:00:00+08:00", topup_id="t1"),
           grant("d9", "discount", "2.00", "2026-11-14T10:00:00+08:00", topup_id="t1"))
    db.add("usage", *[call(f"r{d}", f"2026-11-{d:02d}T15:00:00+08:00", f"{d}.500000") for d in range(3, 20)],
           *[call(f"s{d}", f"2026-11-{d:02d}T16:00:00+08:00", "1.000000", account="a2") for d in range(3, 20)])
    db.add("refunds", refund("f1", "t1", "5.00", "2026-11-13T09:00:00+08:00"))


def test_replaying_from_a_saved_state_gives_the_same_draws_as_one_replay(make_db):
    whole = make_db("2026-11-20")
    _restart_data(whole)
    whole.build()
    expected = movements(whole, "movement <> 'x'")

    first = make_db("2026-11-10")  # days up to 11-10, state saved at its end
    _restart_data(first)
    first.build()
    first_moves = first.query("""SELECT coalesce(lot_id, '-'), movement, amount, business_date
                                 FROM intermediate.int_balance__movements""")
    saved = first.query("SELECT * FROM intermediate.int_balance__state")

    rest = make_db("2026-11-20")
    _restart_data(rest)
    rest.build()  # the as-of views and lots for the later run
    rest.con.execute("CREATE TABLE saved_state AS SELECT * FROM intermediate.int_balance__state LIMIT 0")
    rest.con.executemany("INSERT INTO saved_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", saved)
    balance.build(rest.con, rest.ctx, since=first.ctx.now, state_table="saved_state")
    rest_moves = rest.query("""SELECT coalesce(lot_id, '-'), movement, amount, business_date
                               FROM intermediate.int_balance__movements""")

    combined = {}
    for lot, mv, amount, day in first_moves + rest_moves:
        combined[(lot, mv)] = combined.get((lot, mv), 0) + amount
    assert sorted(combined.items()) == [((lot, mv), amt) for lot, mv, amt in expected]
    assert all(day > dt.date(2026, 11, 10) for *_, day in rest_moves)
    # and the end states agree lot by lot
    assert rest.query("SELECT * EXCLUDE (as_of) FROM intermediate.int_balance__state ORDER BY lot_id") == \
        whole.query("SELECT * EXCLUDE (as_of) FROM intermediate.int_balance__state ORDER BY lot_id")
