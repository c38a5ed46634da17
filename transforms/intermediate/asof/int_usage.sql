-- int_usage: staging.usage as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_usage AS
SELECT u.* REPLACE (coalesce(u.unpaid_amount, 0)::DECIMAL(18, 6) AS unpaid_amount),
       biz_date(u.started_at) AS business_date
FROM staging.usage u
WHERE u.started_at < getvariable('now');
