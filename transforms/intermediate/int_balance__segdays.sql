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
-- Each call takes the last event before it: an ASOF join on the account's event keys (events
-- never share a key with a call: a call's key is epoch_us * 8 + 3, no event's phase is 3, and an
-- account's eords grow with its event keys, so the last event is the one of the highest eord).
-- Measured on DuckDB 2.0: 3.1 s for a day of 10 M calls, where a running max over the
-- account's events and calls in key order took 4.3 s (9.1 s against 10.4 s over 20 M calls).
-- On a restart, a call before the account's first event since balance_since takes the
-- account's last earlier event (_bal_eord_base, keyed below every call); no event: anchor 0.
CREATE OR REPLACE TEMP TABLE _bal_segdays AS
WITH calls AS (
    SELECT account_id, epoch_us(started_at) * 8 + 3 AS k, business_date,
           amount, cash_amount, trial_amount, discount_amount, unpaid_amount
    FROM int_usage
    WHERE started_at >= getvariable('balance_since')
),
events AS (
    SELECT account_id, ekey, eord FROM intermediate.int_balance__anchors
    UNION ALL
    SELECT account_id, -9223372036854775807, n FROM _bal_eord_base
),
placed AS (
    SELECT c.*, coalesce(e.eord, 0) AS anchor
    FROM calls c ASOF LEFT JOIN events e ON c.account_id = e.account_id AND c.k >= e.ekey
)
SELECT account_id, anchor, business_date,
       sum(amount)::DECIMAL(38, 6) AS amount,  -- wide: a day of calls may sum past 10^12
       sum(cash_amount)::DECIMAL(38, 6) AS platform_cash,
       sum(trial_amount)::DECIMAL(38, 6) AS platform_trial,
       sum(discount_amount)::DECIMAL(38, 6) AS platform_discount,
       sum(unpaid_amount)::DECIMAL(38, 6) AS platform_unpaid,
       count(*) AS calls
FROM placed
GROUP BY account_id, anchor, business_date;
