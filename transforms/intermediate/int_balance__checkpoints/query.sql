-- intermediate.int_balance__checkpoints, and its scratch table _bal_refunds (read again by
-- int_balance__daily.sql).
-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- refunds that take money, in the account of their top-up
CREATE OR REPLACE TEMP TABLE _bal_refunds AS
SELECT coalesce(l.account_id, r.account_id) AS account_id, r.refund_id, r.topup_id,
       r.effective_at, r.amount::DECIMAL(38, 6) AS amount
FROM int_refunds r
LEFT JOIN intermediate.int_balance__lots l ON l.lot_source = 'topup' AND l.lot_id = r.topup_id
WHERE r.takes_money;

-- figures at each probe (transforms/README.md "The balance engine's tables")
CREATE OR REPLACE TABLE intermediate.int_balance__checkpoints AS
WITH p AS (
    SELECT e.checkpoint_kind, e.checkpoint_id, e.account_id, e.topup_id, e.event_at AS "at", e.phase,
           from_micro(pr.account_cash_consumed) AS account_cash_consumed,
           from_micro(pr.topup_cash_consumed) AS topup_cash_consumed,
           from_micro(pr.topup_discount_used) AS topup_discount_used
    FROM _bal_probes_arrow pr
    JOIN _bal_steps s ON s.step = pr.step
    JOIN _bal_events e ON e.account_id = s.account_id AND e.eord = s.anchor
),
tops AS (
    SELECT p.checkpoint_kind, p.checkpoint_id, sum(l.amount) AS account_topups
    FROM p JOIN intermediate.int_balance__lots l
      ON l.account_id = p.account_id AND l.kind = 'cash' AND l.credited_at <= p."at"
    GROUP BY ALL
),
refs AS (
    SELECT p.checkpoint_kind, p.checkpoint_id,
           sum(r.amount) AS account_refunded,
           sum(r.amount) FILTER (WHERE r.topup_id = p.topup_id) AS topup_refunded
    FROM p JOIN _bal_refunds r
      ON r.account_id = p.account_id
     AND (r.effective_at < p."at"
          OR (r.effective_at = p."at" AND (p.phase = 4 OR r.refund_id < p.checkpoint_id)))
    GROUP BY ALL
),
invs AS (
    SELECT p.checkpoint_kind, p.checkpoint_id, sum(i.amount) AS account_invoiced
    FROM p JOIN int_invoices i
      ON i.account_id = p.account_id AND i.counts
     AND (i.issued_at < p."at"
          OR (i.issued_at = p."at" AND p.phase = 4
              AND (p.checkpoint_kind <> 'invoice_issued' OR i.invoice_id <= p.checkpoint_id)))
    GROUP BY ALL
),
f AS (
    SELECT p.checkpoint_kind, p.checkpoint_id, p.account_id, p.topup_id, p."at",
           coalesce(t.account_topups, 0) AS account_topups,
           p.account_cash_consumed,
           coalesce(r.account_refunded, 0) AS account_refunded,
           coalesce(i.account_invoiced, 0) AS account_invoiced,
           tl.amount AS topup_amount,
           CASE WHEN p.topup_id IS NOT NULL THEN p.topup_cash_consumed END AS topup_cash_consumed,
           CASE WHEN p.topup_id IS NOT NULL THEN coalesce(r.topup_refunded, 0) END AS topup_refunded,
           CASE WHEN p.topup_id IS NOT NULL THEN p.topup_discount_used END AS topup_discount_used
    FROM p
    LEFT JOIN tops t USING (checkpoint_kind, checkpoint_id)
    LEFT JOIN refs r USING (checkpoint_kind, checkpoint_id)
    LEFT JOIN invs i USING (checkpoint_kind, checkpoint_id)
    LEFT JOIN intermediate.int_balance__lots tl ON tl.lot_source = 'topup' AND tl.lot_id = p.topup_id
),
g AS (
    SELECT *, account_topups - account_cash_consumed - account_refunded AS account_unconsumed_cash,
           over_invoiced(account_invoiced, account_cash_consumed) AS account_over_invoiced
    FROM f
)
SELECT checkpoint_kind, checkpoint_id, account_id, topup_id, "at",
       account_topups::DECIMAL(38, 6) AS account_topups,
       account_cash_consumed::DECIMAL(38, 6) AS account_cash_consumed,
       account_refunded::DECIMAL(38, 6) AS account_refunded,
       account_unconsumed_cash::DECIMAL(38, 6) AS account_unconsumed_cash,
       account_invoiced::DECIMAL(38, 6) AS account_invoiced,
       account_over_invoiced::DECIMAL(38, 6) AS account_over_invoiced,
       account_refundable(account_unconsumed_cash, account_over_invoiced)::DECIMAL(38, 6) AS account_refundable,
       topup_amount::DECIMAL(38, 6) AS topup_amount,
       topup_cash_consumed::DECIMAL(38, 6) AS topup_cash_consumed,
       topup_refunded::DECIMAL(38, 6) AS topup_refunded,
       topup_discount_used::DECIMAL(38, 6) AS topup_discount_used,
       CASE WHEN topup_amount IS NOT NULL THEN topup_refundable(topup_amount, topup_cash_consumed,
            topup_refunded, topup_discount_used) END::DECIMAL(38, 6) AS topup_refundable
FROM g;
