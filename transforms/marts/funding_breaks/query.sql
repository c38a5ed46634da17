-- marts.funding_breaks: one row per account and business date where the platform's Σ funding
-- parts of that day's usage differ from the recomputed ones (daily sums, not cumulative).
CREATE OR REPLACE TABLE marts.funding_breaks AS
SELECT account_id, business_date,
       platform_cash, platform_trial, platform_discount, platform_unpaid,
       cash_consumed AS recomputed_cash, trial_consumed AS recomputed_trial,
       discount_consumed AS recomputed_discount, uncovered AS recomputed_uncovered,
       usage_amount
FROM int_balance__daily
WHERE platform_cash <> cash_consumed OR platform_trial <> trial_consumed
   OR platform_discount <> discount_consumed OR platform_unpaid <> uncovered
ORDER BY account_id, business_date;
