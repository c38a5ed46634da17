-- payer_topups: Every top-up paid with one payment instrument, into any account, between two dates.
--
-- One row per top-up (any status) whose payer_ref_hash is the instrument, paid on a business
-- date from..to (platform time zone, both included), in time order: the account it went to,
-- amount, method, status, chargeback, refunds of it and what is still refundable, the running
-- total of succeeded top-ups and how many accounts the instrument has paid into so far. Money
-- in CNY, exact.
--
-- Parameters:
--   payer_ref_hash  VARCHAR  required      the paying instrument, e.g. pay_fa0fa0fa0fa0fa01
--   from            DATE     optional      first business date; none: from the first top-up
--   to              DATE     optional      last business date; none: the warehouse's business date
WITH paid AS (
    SELECT t.*, biz_date(t.paid_at) AS business_date
    FROM staging.topups t
    WHERE t.payer_ref_hash = $payer_ref_hash
      AND biz_date(t.paid_at) BETWEEN coalesce($from::DATE, DATE '0001-01-01')
                                  AND coalesce($to::DATE, getvariable('business_date'))
), refunds AS (
    SELECT topup_id,
           sum(amount) FILTER (WHERE status IN ('approved', 'paid')) AS refunded,
           string_agg(refund_id || ' ' || status, ', ' ORDER BY requested_at, refund_id) AS refunds
    FROM staging.refunds WHERE topup_id IN (SELECT topup_id FROM paid)
    GROUP BY topup_id
), firsts AS (   -- the first top-up into each account: counts the accounts paid into so far
    SELECT topup_id, row_number() OVER (PARTITION BY account_id ORDER BY paid_at, topup_id) = 1 AS first
    FROM paid
)
SELECT p.paid_at, p.business_date, p.topup_id, p.account_id, p.amount, p.method, p.status,
       p.payer_id_hash, p.promotion_ids, p.chargeback_at, r.refunds, r.refunded,
       pos.refundable_now,
       sum(CASE WHEN p.status = 'succeeded' THEN p.amount ELSE 0 END)
           OVER (ORDER BY p.paid_at, p.topup_id) AS running_total,
       sum(f.first::INTEGER) OVER (ORDER BY p.paid_at, p.topup_id) AS accounts_so_far
FROM paid p
JOIN firsts f USING (topup_id)
LEFT JOIN refunds r USING (topup_id)
LEFT JOIN marts.topup_positions pos USING (topup_id)
ORDER BY p.paid_at, p.topup_id;
