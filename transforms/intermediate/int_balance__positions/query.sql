-- intermediate.int_balance__positions: the figures of marts.account_balances, stored compactly:
-- one row per account and business date on which something moved (from the account's first
-- record: a version, top-up, grant, usage, invoice or refund), valid until next_date; every
-- figure cumulative to the end of that date. marts.account_balances repeats each row over the
-- dates in between. Invariants: unconsumed_cash = cash_credited − cash_consumed −
-- cash_refunded; trial_balance = trial_credited − trial_consumed − trial_expired; the same for
-- discount. Every money column is DECIMAL(38, 6), exact, in CNY, unrounded: the recomputed
-- funding is exact to the micro-yuan of the usage charges.
-- Written from balance_from on (every date on a full replay; a restart's first new date, whose
-- figures continue from the account's published position before it, _bal_position_base:
-- transforms/intermediate/balance.py carries the earlier positions).
CREATE OR REPLACE TABLE intermediate.int_balance__positions AS
WITH firsts AS (
    SELECT account_id, biz_date(min(updated_at)) AS first_date FROM int_accounts GROUP BY account_id
),
days AS (
    -- the days something moved, and a zero day at the account's first version if earlier
    SELECT d.* EXCLUDE (usage_amount, platform_cash, platform_trial, platform_discount, platform_unpaid)
    FROM int_balance__daily d
    WHERE d.business_date >= getvariable('balance_from')
    UNION ALL BY NAME
    SELECT f.account_id, f.first_date AS business_date
    FROM firsts f
    WHERE f.first_date >= getvariable('balance_from') AND NOT EXISTS (SELECT 1 FROM int_balance__daily d
                      WHERE d.account_id = f.account_id AND d.business_date <= f.first_date)
),
cum AS (
    SELECT account_id, business_date,
           lead(business_date, 1, getvariable('business_date') + 1) OVER w AS next_date,
           coalesce(b.cash_credited, 0) + coalesce(sum(days.cash_credited) OVER w, 0) AS cash_credited,
           coalesce(b.cash_consumed, 0) + coalesce(sum(days.cash_consumed) OVER w, 0) AS cash_consumed,
           coalesce(b.cash_refunded, 0) + coalesce(sum(days.cash_refunded) OVER w, 0) AS cash_refunded,
           coalesce(b.trial_credited, 0) + coalesce(sum(days.trial_credited) OVER w, 0) AS trial_credited,
           coalesce(b.trial_consumed, 0) + coalesce(sum(days.trial_consumed) OVER w, 0) AS trial_consumed,
           coalesce(b.trial_expired, 0) + coalesce(sum(days.trial_expired) OVER w, 0) AS trial_expired,
           coalesce(b.discount_credited, 0) + coalesce(sum(days.discount_credited) OVER w, 0) AS discount_credited,
           coalesce(b.discount_consumed, 0) + coalesce(sum(days.discount_consumed) OVER w, 0) AS discount_consumed,
           coalesce(b.discount_expired, 0) + coalesce(sum(days.discount_expired) OVER w, 0) AS discount_expired,
           coalesce(b.invoiced, 0) + coalesce(sum(days.invoiced) OVER w, 0) AS invoiced,
           coalesce(b.uncovered, 0) + coalesce(sum(days.uncovered) OVER w, 0) AS uncovered
    FROM days
    LEFT JOIN _bal_position_base b USING (account_id)
    WINDOW w AS (PARTITION BY account_id ORDER BY business_date ROWS UNBOUNDED PRECEDING)
),
k AS (
    SELECT *, cash_credited - cash_consumed - cash_refunded AS unconsumed_cash,
           over_invoiced(invoiced, cash_consumed) AS over_invoiced
    FROM cum
),
figures AS (
    SELECT account_id, business_date, next_date,
           cash_credited::DECIMAL(38, 6) AS cash_credited,
           cash_consumed::DECIMAL(38, 6) AS cash_consumed,
           cash_refunded::DECIMAL(38, 6) AS cash_refunded,
           unconsumed_cash::DECIMAL(38, 6) AS unconsumed_cash,
           trial_credited::DECIMAL(38, 6) AS trial_credited,
           trial_consumed::DECIMAL(38, 6) AS trial_consumed,
           trial_expired::DECIMAL(38, 6) AS trial_expired,
           discount_credited::DECIMAL(38, 6) AS discount_credited,
           discount_consumed::DECIMAL(38, 6) AS discount_consumed,
           discount_expired::DECIMAL(38, 6) AS discount_expired,
           invoiced::DECIMAL(38, 6) AS invoiced,
           over_invoiced::DECIMAL(38, 6) AS over_invoiced,
           account_refundable(unconsumed_cash, over_invoiced)::DECIMAL(38, 6) AS refundable_now,
           greatest(cash_consumed - invoiced, 0)::DECIMAL(38, 6) AS invoiceable_now,
           uncovered::DECIMAL(38, 6) AS uncovered,
           (trial_credited - trial_consumed - trial_expired)::DECIMAL(38, 6) AS trial_balance,
           (discount_credited - discount_consumed - discount_expired)::DECIMAL(38, 6) AS discount_balance
    FROM k
)
SELECT * FROM figures;
