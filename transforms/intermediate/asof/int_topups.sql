-- int_topups: staging.topups as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_topups AS
SELECT t.* REPLACE (CASE WHEN t.chargeback_at < getvariable('now') THEN t.chargeback_at END AS chargeback_at),
       t.status = 'succeeded' AS succeeded,
       biz_date(t.paid_at) AS business_date
FROM staging.topups t
WHERE t.paid_at < getvariable('now');
