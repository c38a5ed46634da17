-- int_accounts: staging.accounts as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_accounts AS
SELECT a.*,
       a.updated_at AS valid_from,
       lead(a.updated_at) OVER w AS valid_to,                  -- next version, null: current
       lead(a.updated_at) OVER w IS NULL AS is_current,
       first_value(a.registered_at) OVER w AS first_registered_at,
       min(a.real_name_verified_at) FILTER (WHERE a.real_name_verified_at < getvariable('now'))
           OVER (PARTITION BY a.account_id) AS verified_from,  -- verification counts from the earliest
       last_value(a.birth_date IGNORE NULLS) OVER (
           PARTITION BY a.account_id ORDER BY a.updated_at
           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS latest_birth_date
FROM staging.accounts a
WHERE a.updated_at < getvariable('now')
WINDOW w AS (PARTITION BY a.account_id ORDER BY a.updated_at);
