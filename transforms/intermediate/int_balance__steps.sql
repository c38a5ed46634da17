-- The steps the engine walks (_bal_steps), and the per-day segment sums they are made of
-- (_bal_segdays): both scratch tables of transforms/intermediate/balance.py.
--
-- Usage cut into segments: the calls of one account between two consecutive balance events
-- (rules.md §1: "the allocation depends only on how much was used between two balance
-- events"). One pass over int_usage (from balance_since on); the engine never sees a usage row.
--
-- _bal_segdays: one row per (account_id, anchor, business_date): anchor is the eord of the
-- last event before the calls (0: before the account's first event). Σ amount and the
-- platform's own funding parts (for FUNDING_MISMATCH). A segment that spans several business
-- dates is drawn once by the engine and its draws are split by date afterwards
-- (int_balance__daily.sql), in call order: the date's share is where its calls fall on the
-- segment's running total.
-- Each call takes the last event before it (a running max over the account's events and
-- calls in key order; faster than an ASOF join on 10M rows). On a restart, a call before the
-- account's first event since balance_since takes the account's last earlier event
-- (_bal_eord_base, keyed below every call).
CREATE OR REPLACE TEMP TABLE _bal_segdays AS
WITH keyed AS (
    SELECT account_id, epoch_us(started_at) * 8 + 3 AS k, NULL::BIGINT AS eord, business_date,
           amount, cash_amount, trial_amount, discount_amount, unpaid_amount
    FROM int_usage
    WHERE started_at >= getvariable('balance_since')
    UNION ALL
    SELECT account_id, ekey, eord, NULL, NULL, NULL, NULL, NULL, NULL
    FROM intermediate.int_balance__anchors
    UNION ALL
    SELECT account_id, -9223372036854775807, n, NULL, NULL, NULL, NULL, NULL, NULL
    FROM _bal_eord_base
),
placed AS (
    SELECT *, coalesce(max(eord) OVER (PARTITION BY account_id ORDER BY k
                                       ROWS UNBOUNDED PRECEDING), 0) AS anchor
    FROM keyed
)
SELECT account_id, anchor, business_date,
       sum(amount)::DECIMAL(38, 6) AS amount,  -- wide: a day of calls may sum past 10^12
       sum(cash_amount)::DECIMAL(38, 6) AS platform_cash,
       sum(trial_amount)::DECIMAL(38, 6) AS platform_trial,
       sum(discount_amount)::DECIMAL(38, 6) AS platform_discount,
       sum(unpaid_amount)::DECIMAL(38, 6) AS platform_unpaid,
       count(*) AS calls
FROM placed
WHERE eord IS NULL
GROUP BY account_id, anchor, business_date;

-- _bal_steps: what the engine walks, in order. Per account: restored lots of a saved state
-- (typ 5), then each event followed by the segment anchored on it (typ 3, amt = Σ amount in
-- micro-yuan, business_date its first; a business date whose calls sum below zero counts as
-- zero). On a restart, the account's open segment (_bal_open: its calls before balance_since,
-- drawn last night) is drawn again whole, its earlier days first.
-- step: the index of the step in the walk (the engine's arrays). ord: the step's number within
-- its account, 2 × anchor for an event and 2 × anchor + 1 for the segment after it (null for a
-- restore): it depends only on the account's own events, so a restart continues it.
CREATE OR REPLACE TEMP TABLE _bal_steps AS
WITH s AS (
    SELECT account_id, -1 AS anchor, 0 AS is_seg, NULL::DATE AS business_date, 5 AS typ,
           lot_idx AS lot, 0::HUGEINT AS amt
    FROM _bal_restore
    UNION ALL
    SELECT account_id, eord, 0, biz_date(event_at), typ, lot, amt FROM _bal_events
    UNION ALL
    SELECT account_id, anchor, 1, min(business_date), 3, -1, sum(micro)
    FROM (SELECT account_id, anchor, business_date, greatest(to_micro(amount), 0) AS micro
          FROM _bal_segdays
          UNION ALL
          SELECT account_id, anchor, business_date, micro FROM _bal_open)
    GROUP BY account_id, anchor
)
SELECT (row_number() OVER (ORDER BY account_id, anchor, is_seg, lot) - 1)::BIGINT AS step,
       CASE WHEN typ <> 5 THEN 2 * anchor + is_seg END::BIGINT AS ord,
       dense_rank() OVER (ORDER BY account_id)::BIGINT AS acct,
       s.*
FROM s;
