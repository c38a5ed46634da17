-- _bal_segdays: the per-day segment sums the engine's steps are made of, a scratch table of
-- transforms/intermediate/balance.py (the steps themselves: int_balance__steps.sql).
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

