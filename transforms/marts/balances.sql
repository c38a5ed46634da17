-- The balance marts (data-contract.md "Published outputs"), from the engine's tables.
-- Every money column is DECIMAL(18, 6), exact, in CNY, unrounded: the recomputed funding is
-- exact to the micro-yuan of the usage charges.

-- marts.account_balances: one row per account and business date, from the account's first
-- record (a version, top-up, grant, usage, invoice or refund) to the run's date; every figure
-- cumulative to the end of that date. Invariants: unconsumed_cash = cash_credited −
-- cash_consumed − cash_refunded; trial_balance = trial_credited − trial_consumed −
-- trial_expired; the same for discount.
-- Stored compactly: intermediate.int_balance__positions holds one row per account and date on
-- which something moved, valid until next_date; the view repeats it over the dates in between
-- (a filter on business_date reaches the calendar, so reading one date is cheap).
CREATE OR REPLACE TABLE intermediate.int_balance__positions AS
WITH firsts AS (
    SELECT account_id, biz_date(min(updated_at)) AS first_date FROM int_accounts GROUP BY account_id
),
days AS (
    -- the days something moved, and a zero day at the account's first version if earlier
    SELECT d.* EXCLUDE (usage_amount, platform_cash, platform_trial, platform_discount, platform_unpaid)
    FROM int_balance__daily d
    UNION ALL BY NAME
    SELECT f.account_id, f.first_date AS business_date
    FROM firsts f
    WHERE NOT EXISTS (SELECT 1 FROM int_balance__daily d
                      WHERE d.account_id = f.account_id AND d.business_date <= f.first_date)
),
cum AS (
    SELECT account_id, business_date,
           lead(business_date, 1, getvariable('business_date') + 1) OVER w AS next_date,
           coalesce(sum(cash_credited) OVER w, 0) AS cash_credited,
           coalesce(sum(cash_consumed) OVER w, 0) AS cash_consumed,
           coalesce(sum(cash_refunded) OVER w, 0) AS cash_refunded,
           coalesce(sum(trial_credited) OVER w, 0) AS trial_credited,
           coalesce(sum(trial_consumed) OVER w, 0) AS trial_consumed,
           coalesce(sum(trial_expired) OVER w, 0) AS trial_expired,
           coalesce(sum(discount_credited) OVER w, 0) AS discount_credited,
           coalesce(sum(discount_consumed) OVER w, 0) AS discount_consumed,
           coalesce(sum(discount_expired) OVER w, 0) AS discount_expired,
           coalesce(sum(invoiced) OVER w, 0) AS invoiced,
           coalesce(sum(uncovered) OVER w, 0) AS uncovered
    FROM days
    WINDOW w AS (PARTITION BY account_id ORDER BY business_date ROWS UNBOUNDED PRECEDING)
),
k AS (
    SELECT *, cash_credited - cash_consumed - cash_refunded AS unconsumed_cash,
           over_invoiced(invoiced, cash_consumed) AS over_invoiced
    FROM cum
),
figures AS (
    SELECT account_id, business_date, next_date,
           cash_credited::DECIMAL(18, 6) AS cash_credited,
           cash_consumed::DECIMAL(18, 6) AS cash_consumed,
           cash_refunded::DECIMAL(18, 6) AS cash_refunded,
           unconsumed_cash::DECIMAL(18, 6) AS unconsumed_cash,
           trial_credited::DECIMAL(18, 6) AS trial_credited,
           trial_consumed::DECIMAL(18, 6) AS trial_consumed,
           trial_expired::DECIMAL(18, 6) AS trial_expired,
           discount_credited::DECIMAL(18, 6) AS discount_credited,
           discount_consumed::DECIMAL(18, 6) AS discount_consumed,
           discount_expired::DECIMAL(18, 6) AS discount_expired,
           invoiced::DECIMAL(18, 6) AS invoiced,
           over_invoiced::DECIMAL(18, 6) AS over_invoiced,
           account_refundable(unconsumed_cash, over_invoiced)::DECIMAL(18, 6) AS refundable_now,
           greatest(cash_consumed - invoiced, 0)::DECIMAL(18, 6) AS invoiceable_now,
           uncovered::DECIMAL(18, 6) AS uncovered,
           (trial_credited - trial_consumed - trial_expired)::DECIMAL(18, 6) AS trial_balance,
           (discount_credited - discount_consumed - discount_expired)::DECIMAL(18, 6) AS discount_balance
    FROM k
)
SELECT * FROM figures;

CREATE OR REPLACE TABLE intermediate.int_balance__calendar AS
SELECT unnest(range(min(business_date)::TIMESTAMP,
                    (getvariable('business_date') + 1)::TIMESTAMP, INTERVAL 1 DAY))::DATE AS business_date
FROM intermediate.int_balance__positions;

CREATE OR REPLACE VIEW marts.account_balances AS
SELECT p.account_id, c.business_date,
       p.* EXCLUDE (account_id, business_date, next_date)
FROM intermediate.int_balance__positions p
JOIN intermediate.int_balance__calendar c
  ON c.business_date >= p.business_date AND c.business_date < p.next_date;

-- marts.topup_positions: one row per succeeded top-up, as of the end of the run's date.
-- refundable_now = max(0, amount − cash_consumed − refunded − discount_used) (rules.md §1).
CREATE OR REPLACE TABLE marts.topup_positions AS
WITH refunded AS (
    SELECT topup_id, sum(amount) AS refunded FROM int_refunds WHERE takes_money GROUP BY topup_id
),
discount AS (
    SELECT l.topup_id, sum(s.consumed) AS discount_used
    FROM intermediate.int_balance__state s
    JOIN intermediate.int_balance__lots l USING (lot_source, lot_id)
    WHERE l.kind = 'discount' AND l.link_idx >= 0
    GROUP BY l.topup_id
)
SELECT l.lot_id AS topup_id, l.account_id, l.credited_at AS paid_at,
       l.amount::DECIMAL(18, 6) AS amount,
       s.consumed::DECIMAL(18, 6) AS cash_consumed,
       coalesce(d.discount_used, 0)::DECIMAL(18, 6) AS discount_used,
       coalesce(r.refunded, 0)::DECIMAL(18, 6) AS refunded,
       topup_refundable(l.amount, s.consumed, coalesce(r.refunded, 0),
                        coalesce(d.discount_used, 0))::DECIMAL(18, 6) AS refundable_now,
       s.remaining::DECIMAL(18, 6) AS cash_left
FROM intermediate.int_balance__lots l
JOIN intermediate.int_balance__state s USING (lot_source, lot_id)
LEFT JOIN discount d ON d.topup_id = l.lot_id
LEFT JOIN refunded r ON r.topup_id = l.lot_id
WHERE l.kind = 'cash'
ORDER BY l.lot_id;

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
