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
       l.amount::DECIMAL(38, 6) AS amount,
       s.consumed::DECIMAL(38, 6) AS cash_consumed,
       coalesce(d.discount_used, 0)::DECIMAL(38, 6) AS discount_used,
       coalesce(r.refunded, 0)::DECIMAL(38, 6) AS refunded,
       topup_refundable(l.amount, s.consumed, coalesce(r.refunded, 0),
                        coalesce(d.discount_used, 0))::DECIMAL(38, 6) AS refundable_now,
       s.remaining::DECIMAL(38, 6) AS cash_left
FROM intermediate.int_balance__lots l
JOIN intermediate.int_balance__state s USING (lot_source, lot_id)
LEFT JOIN discount d ON d.topup_id = l.lot_id
LEFT JOIN refunded r ON r.topup_id = l.lot_id
WHERE l.kind = 'cash'
ORDER BY l.lot_id;
