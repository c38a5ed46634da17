-- intermediate.int_balance__segments (read by TRIAL_USED_AFTER_EXPIRY as the TEMP view
-- int_balance__segments), and its scratch table _bal_days.
-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- one row per usage segment and business date walked tonight: where the date's calls lie on
-- the segment's running total [day_start, day_start + micro), and the platform's own funding
-- of them. On a restart the open segment's new days start after its earlier days (_bal_open).
CREATE OR REPLACE TEMP TABLE _bal_days AS
SELECT d.*, coalesce(o.micro, 0)
            + sum(d.micro) OVER (PARTITION BY d.account_id, d.anchor ORDER BY d.business_date
                                 ROWS UNBOUNDED PRECEDING) - d.micro AS day_start
FROM (SELECT *, greatest(to_micro(amount), 0) AS micro FROM _bal_segdays) d
LEFT JOIN (SELECT account_id, anchor, sum(micro) AS micro FROM _bal_open GROUP BY ALL) o
       USING (account_id, anchor);

-- one row per usage segment and business date (a restart appends its new days to the
-- published night's rows: transforms/intermediate/balance.py)
CREATE OR REPLACE TABLE intermediate.int_balance__segments AS
SELECT account_id, anchor, business_date, calls,
       amount::DECIMAL(38, 6) AS amount,
       platform_cash::DECIMAL(38, 6) AS platform_cash,
       platform_trial::DECIMAL(38, 6) AS platform_trial,
       platform_discount::DECIMAL(38, 6) AS platform_discount,
       platform_unpaid::DECIMAL(38, 6) AS platform_unpaid
FROM _bal_days;
CREATE OR REPLACE TEMP VIEW int_balance__segments AS SELECT * FROM intermediate.int_balance__segments;
