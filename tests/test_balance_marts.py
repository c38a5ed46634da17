"""The balance marts (transforms/marts/{account_balances,topup_positions,funding_breaks}/): account_balances, topup_positions,
funding_breaks; and that a re-run of a date gives the same marts and violation ids.

One scenario, worked out by hand (run date 2026-11-20; "now" = 2026-11-21T00:00+08:00):
  a1  version 11-17; t1 100 paid 11-18; trial g1 10 granted 11-18, expires 11-19 12:00;
      discount d1 5 linked to t1, granted 11-18.
      11-19 08:00 call 8   -> trial g1 8                     (platform: trial 8)
      11-19 12:00 g1 expires: 2 forfeited
      11-19 13:00 call 20  -> discount d1 5 + cash t1 15     (platform: cash 20)
      11-20 09:00 invoice 30; 11-20 10:00 refund of t1 10 approved (debits 10 of t1's 85 left)
  a2  version 11-19 only.
  a3  11-20 call 1 with no balance (platform: unpaid 1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from transforms.build import build_intermediate, build_marts, run_query
from transforms.marts.violations.build import DDL, build_violations
from transforms.rules import discover

D = Decimal
MY_RULES = {"RATING_MISMATCH", "FUNDING_MISMATCH", "TRIAL_USED_AFTER_EXPIRY",
            "USAGE_WITHOUT_BALANCE", "INVOICE_EXCEEDS_CONSUMED_CASH", "INVOICE_ENTITY_MISMATCH",
            "INVOICE_TITLE_WITHOUT_PROOF", "REFUND_DUPLICATE", "REFUND_EXCEEDS_REFUNDABLE",
            "REFUND_OF_INVOICED_AMOUNT", "REFUND_TO_OTHER_INSTRUMENT", "BALANCE_TRANSFER"}


def call(rid, account, started_at, amount, cash="0", trial="0", unpaid=None):
    return {"request_id": rid, "account_id": account, "api_key_id": "k1", "model": "glm-4",
            "started_at": started_at, "input_tokens": 0, "output_tokens": 0, "amount": amount,
            "cash_amount": cash, "trial_amount": trial, "discount_amount": "0",
            "unpaid_amount": unpaid}


def scenario(db):
    db.add("accounts",
           {"account_id": "a1", "updated_at": "2026-11-17T10:00:00+08:00",
            "registered_at": "2026-11-17T10:00:00+08:00", "account_type": "personal"},
           {"account_id": "a2", "updated_at": "2026-11-19T10:00:00+08:00",
            "registered_at": "2026-11-19T10:00:00+08:00", "account_type": "personal"})
    db.add("topups", {"topup_id": "t1", "account_id": "a1", "paid_at": "2026-11-18T10:00:00+08:00",
                      "amount": "100.00", "method": "card", "payer_ref_hash": "p1",
                      "status": "succeeded"})
    db.add("grants",
           {"grant_id": "g1", "account_id": "a1", "kind": "trial", "amount": "10.00",
            "granted_at": "2026-11-18T10:00:00+08:00", "expires_at": "2026-11-19T12:00:00+08:00"},
           {"grant_id": "d1", "account_id": "a1", "kind": "discount", "amount": "5.00",
            "granted_at": "2026-11-18T10:00:00+08:00", "topup_id": "t1"})
    db.add("usage", call("r1", "a1", "2026-11-19T08:00:00+08:00", "8.000000", trial="8.000000"),
           call("r2", "a1", "2026-11-19T13:00:00+08:00", "20.000000", cash="20.000000"),
           call("r3", "a3", "2026-11-20T10:00:00+08:00", "1.000000", unpaid="1.000000"))
    db.add("invoices", {"invoice_id": "i1", "account_id": "a1", "issued_at": "2026-11-20T09:00:00+08:00",
                        "amount": "30.00", "title_type": "personal", "buyer_name": "Li",
                        "status": "issued"})
    db.add("refunds", {"refund_id": "f1", "account_id": "a1", "topup_id": "t1",
                       "requested_at": "2026-11-20T08:00:00+08:00",
                       "decided_at": "2026-11-20T10:00:00+08:00", "status": "approved",
                       "amount": "10.00"})
    return db


def build_balance_marts(con, ctx):
    for mart in ("account_balances", "topup_positions", "funding_breaks"):
        run_query(con, ctx, f"marts.{mart}")


def build(db):
    build_intermediate(db.con, db.ctx)
    build_balance_marts(db.con, db.ctx)
    return db


CONTRACT = {  # data-contract.md "Published outputs"
    "account_balances": "account_id business_date cash_credited cash_consumed cash_refunded "
                        "unconsumed_cash trial_credited trial_consumed trial_expired discount_credited "
                        "discount_consumed discount_expired invoiced over_invoiced refundable_now "
                        "invoiceable_now uncovered",
    "topup_positions": "topup_id account_id amount cash_consumed discount_used refunded refundable_now",
    "funding_breaks": "account_id business_date platform_cash platform_trial platform_discount "
                      "platform_unpaid recomputed_cash recomputed_trial recomputed_discount "
                      "recomputed_uncovered",
}
KEYS = {"account_id", "business_date", "topup_id", "paid_at"}


def test_balance_marts_have_the_contract_columns_and_every_money_column_is_decimal(db):
    build(scenario(db))
    for table, names in CONTRACT.items():
        cols = dict(db.query("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'marts' AND table_name = $t", {"t": table}))
        assert set(names.split()) <= cols.keys(), table
        # every column but the keys is money, exact, and wide enough for sums (issue 9)
        assert {c: t for c, t in cols.items() if c not in KEYS and t != "DECIMAL(38,6)"} == {}, table


def test_account_balances_have_every_account_and_date_cumulative_to_the_end_of_it(db):
    build(scenario(db))
    cols = ("cash_credited, cash_consumed, cash_refunded, unconsumed_cash, trial_credited, "
            "trial_consumed, trial_expired, discount_credited, discount_consumed, discount_expired, "
            "invoiced, over_invoiced, refundable_now, invoiceable_now, uncovered")
    rows = db.query(f"SELECT account_id, business_date, {cols} FROM marts.account_balances "
                    "ORDER BY account_id, business_date")
    z = D(0)
    day = lambda d: dt.date(2026, 11, d)
    assert rows == [
        ("a1", day(17), *[z] * 15),
        # credited: cash 100, trial 10, discount 5; unconsumed 100, refundable 100
        ("a1", day(18), D(100), z, z, D(100), D(10), z, z, D(5), z, z, z, z, D(100), z, z),
        # consumed: trial 8, discount 5, cash 15; trial 2 forfeited; unconsumed 85;
        # invoiceable 15 - 0 = 15
        ("a1", day(19), D(100), D(15), z, D(85), D(10), D(8), D(2), D(5), D(5), z, z, z, D(85), D(15), z),
        # refund 10 and invoice 30: unconsumed 100 - 15 - 10 = 75; over_invoiced 30 - 15 = 15;
        # refundable 75 - 15 = 60; invoiceable max(0, 15 - 30) = 0
        ("a1", day(20), D(100), D(15), D(10), D(75), D(10), D(8), D(2), D(5), D(5), z, D(30), D(15), D(60), z, z),
        ("a2", day(19), *[z] * 15),
        ("a2", day(20), *[z] * 15),
        ("a3", day(20), *[z] * 14, D(1)),
    ]


def test_account_balances_reconcile_per_bucket(db):
    build(scenario(db))
    # credited − consumed − refunded − expired = what is left, per bucket, against the engine's
    # end state (rules.md §1; STYLE.md 4). Cash can go below what the lots hold only by refunds
    # beyond what was left, so the lots' cash equals unconsumed cash plus that overdraw.
    assert db.query("""
        WITH b AS (SELECT * FROM marts.account_balances WHERE business_date = DATE '2026-11-20'),
             s AS (SELECT account_id, sum(remaining) FILTER (WHERE kind = 'trial') AS trial,
                          sum(remaining) FILTER (WHERE kind = 'discount') AS discount,
                          sum(remaining) FILTER (WHERE kind = 'cash') AS cash
                   FROM intermediate.int_balance__state GROUP BY 1)
        SELECT b.account_id FROM b LEFT JOIN s USING (account_id)
        WHERE b.trial_credited - b.trial_consumed - b.trial_expired <> coalesce(s.trial, 0)
           OR b.discount_credited - b.discount_consumed - b.discount_expired <> coalesce(s.discount, 0)
           OR b.cash_credited - b.cash_consumed - b.cash_refunded <> coalesce(s.cash, 0)""") == []


def test_topup_positions_as_of_the_run_date(db):
    build(scenario(db))
    # refundable_now = 100 - cash 15 - refunded 10 - discount used 5 = 70
    assert db.query("""SELECT topup_id, account_id, amount, cash_consumed, discount_used, refunded,
                              refundable_now FROM marts.topup_positions""") == [
        ("t1", "a1", D(100), D(15), D(5), D(10), D(70))]


def test_refundable_amounts_never_go_below_zero(db):
    # a4 pays 100 (t4) and uses 10; 100 is invoiced (over-invoiced by 90) and 50 refunded:
    #   unconsumed cash = 100 - 10 - 50 = 40; account refundable = max(0, 40 - 90) = 0 (§8.4)
    #   t4 refundable = max(0, 100 - 10 - 50 - 0) = 40; a second refund of 60 more
    #   (f5, same top-up) takes it to max(0, 100 - 10 - 110) = 0, not -20 (§8.1-8.3)
    db.add("accounts", {"account_id": "a4", "updated_at": "2026-11-18T10:00:00+08:00",
                        "registered_at": "2026-11-18T10:00:00+08:00", "account_type": "personal"})
    db.add("topups", {"topup_id": "t4", "account_id": "a4", "paid_at": "2026-11-18T10:00:00+08:00",
                      "amount": "100.00", "method": "card", "payer_ref_hash": "p4",
                      "status": "succeeded"})
    db.add("usage", call("r4", "a4", "2026-11-18T11:00:00+08:00", "10.000000", cash="10.000000"))
    db.add("invoices", {"invoice_id": "i4", "account_id": "a4", "issued_at": "2026-11-18T12:00:00+08:00",
                        "amount": "100.00", "title_type": "personal", "buyer_name": "Wang",
                        "status": "issued"})
    db.add("refunds",
           {"refund_id": "f4", "account_id": "a4", "topup_id": "t4",
            "requested_at": "2026-11-19T08:00:00+08:00", "decided_at": "2026-11-19T09:00:00+08:00",
            "status": "paid", "amount": "50.00"},
           {"refund_id": "f5", "account_id": "a4", "topup_id": "t4",
            "requested_at": "2026-11-20T08:00:00+08:00", "decided_at": "2026-11-20T09:00:00+08:00",
            "status": "paid", "amount": "60.00"})
    build(db)
    assert db.query("""SELECT business_date, unconsumed_cash, over_invoiced, refundable_now
                       FROM marts.account_balances WHERE account_id = 'a4' ORDER BY 1""") == [
        (dt.date(2026, 11, 18), D(90), D(90), D(0)),
        (dt.date(2026, 11, 19), D(40), D(90), D(0)),
        (dt.date(2026, 11, 20), D(-20), D(90), D(0))]
    assert db.query("SELECT refundable_now FROM marts.topup_positions WHERE topup_id = 't4'") == [(D(0),)]


def test_funding_breaks_list_only_days_where_platform_and_recomputed_differ(db):
    build(scenario(db))
    # a1 on 11-19: platform cash 20 + trial 8; recomputed cash 15, trial 8, discount 5.
    # a3's unpaid 1 = recomputed uncovered 1: no break.
    assert db.query("""SELECT account_id, business_date, platform_cash, platform_trial,
                              platform_discount, platform_unpaid, recomputed_cash, recomputed_trial,
                              recomputed_discount, recomputed_uncovered FROM marts.funding_breaks""") == [
        ("a1", dt.date(2026, 11, 19), D(20), D(8), D(0), D(0), D(15), D(8), D(5), D(0))]


def _run(make_db, date, previous=None):
    """One night on the scenario; `previous` = last night's marts.violations rows."""
    db = scenario(make_db(date))
    build_intermediate(db.con, db.ctx)
    build_balance_marts(db.con, db.ctx)
    prev = None
    if previous is not None:
        db.con.execute("CREATE SCHEMA prev")
        db.con.execute(DDL_PREV)
        db.con.executemany(f"INSERT INTO prev.violations VALUES ({', '.join(['?'] * 13)})", previous)
        prev = "prev.violations"
    build_violations(db.con, db.ctx, prev, rules=[r for r in discover() if r.rule_id in MY_RULES])
    return db


DDL_PREV = DDL.replace("marts.violations", "prev.violations")


def test_rerunning_a_date_gives_the_same_marts_and_violation_ids(make_db):
    first, second = _run(make_db, "2026-11-20"), _run(make_db, "2026-11-20")
    for table in ("account_balances", "topup_positions", "funding_breaks", "violations"):
        sql = f"SELECT * FROM marts.{table} ORDER BY ALL"
        assert first.query(sql) == second.query(sql), table
    assert len(first.query("SELECT * FROM marts.violations")) > 0


def test_a_finding_keeps_its_id_and_first_detected_on_on_the_next_night(make_db):
    night1 = _run(make_db, "2026-11-19")
    night2 = _run(make_db, "2026-11-20", previous=night1.query("SELECT * FROM marts.violations"))
    sql = """SELECT violation_id, first_detected_on, last_seen_on FROM marts.violations
             WHERE rule_id = 'FUNDING_MISMATCH' AND subject_id = 'a1|2026-11-19'"""
    (id1, first1, last1), = night1.query(sql)
    (id2, first2, last2), = night2.query(sql)
    # the 11-19 break's evidence did not change on 11-20: same row, first seen 11-19
    assert (id2, first2, last2) == (id1, dt.date(2026, 11, 19), dt.date(2026, 11, 20))
    assert (first1, last1) == (dt.date(2026, 11, 19), dt.date(2026, 11, 19))


def test_the_whole_build_publishes_the_balance_marts(db):
    scenario(db)
    build_intermediate(db.con, db.ctx)
    build_marts(db.con, db.ctx)
    assert db.query("SELECT count(*) FROM marts.topup_positions") == [(1,)]
    # the engine's unordered bulk inserts do not leak into the rest of the build
    assert db.query("SELECT current_setting('preserve_insertion_order')") == [(True,)]
