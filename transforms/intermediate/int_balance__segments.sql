-- TEMP int_balance__segments (like the int_<source> views: big and only read by the rules of the
-- same build), and its scratch table _bal_days.
-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- one row per usage segment and business date: where the date's calls lie on the segment's
-- running total [day_start, day_start + micro), and the platform's own funding of them
CREATE OR REPLACE TEMP TABLE _bal_days AS
SELECT *, sum(micro) OVER (PARTITION BY account_id, anchor ORDER BY business_date
                           ROWS UNBOUNDED PRECEDING) - micro AS day_start
FROM (SELECT *, greatest(to_micro(amount), 0) AS micro FROM _bal_segdays);

CREATE OR REPLACE TEMP TABLE int_balance__segments AS
SELECT account_id, anchor, business_date, calls,
       amount::DECIMAL(38, 6) AS amount,
       platform_cash::DECIMAL(38, 6) AS platform_cash,
       platform_trial::DECIMAL(38, 6) AS platform_trial,
       platform_discount::DECIMAL(38, 6) AS platform_discount,
       platform_unpaid::DECIMAL(38, 6) AS platform_unpaid
FROM _bal_days;
