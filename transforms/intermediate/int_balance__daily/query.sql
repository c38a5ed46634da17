-- intermediate.int_balance__daily (read by rules and marts as the TEMP view int_balance__daily),
-- and its scratch table _bal_day_draws; then the engine's big scratch tables are dropped.
-- Only business dates from balance_since on are written here (every date on a full replay): a
-- restart appends them to the published night's rows (transforms/intermediate/balance.py).
-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- each segment draw split by business date: the part of [offset, offset + amount) that
-- overlaps the date's stretch; kind 0 trial, 1 discount, 2 cash, 3 uncovered
CREATE OR REPLACE TEMP TABLE _bal_day_draws AS
SELECT d.account_id, d.business_date, m.kind,
       least(d.day_start + d.micro, m."offset"::HUGEINT + m.amount) - greatest(d.day_start, m."offset") AS micro
FROM (SELECT m.*, s.account_id, s.anchor FROM _bal_moves_arrow m JOIN _bal_steps s ON s.step = m.step
      WHERE s.typ = 3) m
JOIN _bal_days d
  ON d.account_id = m.account_id AND d.anchor = m.anchor
 AND d.day_start < m."offset"::HUGEINT + m.amount AND m."offset" < d.day_start + d.micro;

-- per account and business date, what moved that day (cumulated by int_balance__positions/query.sql)
CREATE OR REPLACE TABLE intermediate.int_balance__daily AS
WITH parts AS (
    SELECT account_id, business_date, amount AS usage_amount, platform_cash, platform_trial,
           platform_discount, platform_unpaid
    FROM _bal_days
    UNION ALL BY NAME
    SELECT account_id, business_date,
           CASE kind WHEN 2 THEN from_micro(micro) END AS cash_consumed,
           CASE kind WHEN 0 THEN from_micro(micro) END AS trial_consumed,
           CASE kind WHEN 1 THEN from_micro(micro) END AS discount_consumed,
           CASE kind WHEN 3 THEN from_micro(micro) END AS uncovered
    FROM _bal_day_draws
    UNION ALL BY NAME
    SELECT account_id, business_date,
           CASE WHEN kind = 'trial' THEN amount END AS trial_expired,
           CASE WHEN kind = 'discount' THEN amount END AS discount_expired
    FROM intermediate.int_balance__movements
    WHERE movement IN ('expire', 'void')  -- tonight's steps: carried rows are added after this file
    UNION ALL BY NAME
    SELECT account_id, biz_date(credited_at) AS business_date,
           CASE WHEN kind = 'cash' THEN amount END AS cash_credited,
           CASE WHEN kind = 'trial' THEN amount END AS trial_credited,
           CASE WHEN kind = 'discount' THEN amount END AS discount_credited
    FROM intermediate.int_balance__lots
    WHERE credited_at >= getvariable('balance_since')
    UNION ALL BY NAME
    SELECT account_id, biz_date(effective_at) AS business_date, amount AS cash_refunded
    FROM _bal_refunds
    WHERE effective_at >= getvariable('balance_since')
    UNION ALL BY NAME
    SELECT account_id, business_date, amount AS invoiced FROM int_invoices
    WHERE counts AND issued_at >= getvariable('balance_since')
)
SELECT account_id, business_date,
       coalesce(sum(cash_credited), 0)::DECIMAL(38, 6) AS cash_credited,
       coalesce(sum(cash_consumed), 0)::DECIMAL(38, 6) AS cash_consumed,
       coalesce(sum(cash_refunded), 0)::DECIMAL(38, 6) AS cash_refunded,
       coalesce(sum(trial_credited), 0)::DECIMAL(38, 6) AS trial_credited,
       coalesce(sum(trial_consumed), 0)::DECIMAL(38, 6) AS trial_consumed,
       coalesce(sum(trial_expired), 0)::DECIMAL(38, 6) AS trial_expired,
       coalesce(sum(discount_credited), 0)::DECIMAL(38, 6) AS discount_credited,
       coalesce(sum(discount_consumed), 0)::DECIMAL(38, 6) AS discount_consumed,
       coalesce(sum(discount_expired), 0)::DECIMAL(38, 6) AS discount_expired,
       coalesce(sum(invoiced), 0)::DECIMAL(38, 6) AS invoiced,
       coalesce(sum(uncovered), 0)::DECIMAL(38, 6) AS uncovered,
       coalesce(sum(usage_amount), 0)::DECIMAL(38, 6) AS usage_amount,
       coalesce(sum(platform_cash), 0)::DECIMAL(38, 6) AS platform_cash,
       coalesce(sum(platform_trial), 0)::DECIMAL(38, 6) AS platform_trial,
       coalesce(sum(platform_discount), 0)::DECIMAL(38, 6) AS platform_discount,
       coalesce(sum(platform_unpaid), 0)::DECIMAL(38, 6) AS platform_unpaid
FROM parts
GROUP BY account_id, business_date;

CREATE OR REPLACE TEMP VIEW int_balance__daily AS SELECT * FROM intermediate.int_balance__daily;

-- free the big scratch tables for the rest of the build
DROP TABLE _bal_day_draws;
DROP TABLE _bal_days;
DROP TABLE _bal_segdays;
