-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(18, 6).

-- one row per money movement of a step: draw (usage of a segment funded from a lot), expire
-- (a grant's remainder forfeited), void (a linked discount voided by a refund of its top-up),
-- refund_debit (cash a refund took from its top-up), uncovered (usage no lot covered; lot
-- null). business_date: the event's, or a segment's first. A segment's draws lie end to end on
-- its running total: segment_offset is where each starts.
CREATE OR REPLACE TABLE intermediate.int_balance__movements AS
SELECT s.account_id, s.business_date, m.ord, s.anchor, l.lot_source, l.lot_id, l.kind, l.topup_id,
       CASE m.type WHEN 0 THEN 'draw' WHEN 1 THEN 'expire' WHEN 2 THEN 'void'
                   WHEN 3 THEN 'refund_debit' ELSE 'uncovered' END AS movement,
       from_micro(m.amount) AS amount,
       from_micro(m."offset") AS segment_offset
FROM _bal_moves_arrow m
JOIN _bal_steps s ON s.ord = m.ord
LEFT JOIN intermediate.int_balance__lots l ON l.lot_idx = m.lot AND m.lot >= 0;

-- one row per usage segment and business date: where the date's calls lie on the segment's
-- running total [day_start, day_start + micro), and the platform's own funding of them
CREATE OR REPLACE TEMP TABLE _bal_days AS
SELECT *, sum(micro) OVER (PARTITION BY account_id, anchor ORDER BY business_date
                           ROWS UNBOUNDED PRECEDING) - micro AS day_start
FROM (SELECT *, greatest(to_micro(amount), 0) AS micro FROM _bal_segdays);

CREATE OR REPLACE TEMP TABLE int_balance__segments AS
SELECT account_id, anchor, business_date, calls,
       amount::DECIMAL(18, 6) AS amount,
       platform_cash::DECIMAL(18, 6) AS platform_cash,
       platform_trial::DECIMAL(18, 6) AS platform_trial,
       platform_discount::DECIMAL(18, 6) AS platform_discount,
       platform_unpaid::DECIMAL(18, 6) AS platform_unpaid
FROM _bal_days;

-- each segment draw split by business date: the part of [offset, offset + amount) that
-- overlaps the date's stretch; kind 0 trial, 1 discount, 2 cash, 3 uncovered
CREATE OR REPLACE TEMP TABLE _bal_day_draws AS
SELECT d.account_id, d.business_date, m.kind,
       least(d.day_start + d.micro, m."offset" + m.amount) - greatest(d.day_start, m."offset") AS micro
FROM (SELECT m.*, s.account_id, s.anchor FROM _bal_moves_arrow m JOIN _bal_steps s ON s.ord = m.ord
      WHERE s.typ = 3) m
JOIN _bal_days d
  ON d.account_id = m.account_id AND d.anchor = m.anchor
 AND d.day_start < m."offset" + m.amount AND m."offset" < d.day_start + d.micro;

-- segments that start after a trial grant of the account expired: the recomputed live trial
-- balance at the segment's start and the live balance of the kinds burnt before trial
CREATE OR REPLACE TABLE intermediate.int_balance__trial_segments AS
SELECT s.account_id, s.anchor,
       from_micro(t.trial_start) AS trial_start,
       from_micro(t.before_trial_start) AS before_trial_start
FROM _bal_trial_arrow t
JOIN _bal_steps s ON s.ord = t.ord;

-- the end state: what is left of every lot, to restart the replay from
CREATE OR REPLACE TABLE intermediate.int_balance__state AS
SELECT l.account_id, l.lot_source, l.lot_id, l.kind, getvariable('now') AS as_of,
       from_micro(x.remaining) AS remaining, from_micro(x.consumed) AS consumed,
       from_micro(x.discount_used) AS discount_used, x.voided, x.expired
FROM _bal_state_arrow x
JOIN intermediate.int_balance__lots l ON l.lot_idx = x.lot_idx;

-- refunds that take money, in the account of their top-up
CREATE OR REPLACE TEMP TABLE _bal_refunds AS
SELECT coalesce(l.account_id, r.account_id) AS account_id, r.refund_id, r.topup_id,
       r.effective_at, r.amount::DECIMAL(18, 6) AS amount
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
    JOIN _bal_steps s ON s.ord = pr.ord
    JOIN _bal_events e ON e.eord = s.anchor
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
       account_topups::DECIMAL(18, 6) AS account_topups,
       account_cash_consumed::DECIMAL(18, 6) AS account_cash_consumed,
       account_refunded::DECIMAL(18, 6) AS account_refunded,
       account_unconsumed_cash::DECIMAL(18, 6) AS account_unconsumed_cash,
       account_invoiced::DECIMAL(18, 6) AS account_invoiced,
       account_over_invoiced::DECIMAL(18, 6) AS account_over_invoiced,
       account_refundable(account_unconsumed_cash, account_over_invoiced)::DECIMAL(18, 6) AS account_refundable,
       topup_amount::DECIMAL(18, 6) AS topup_amount,
       topup_cash_consumed::DECIMAL(18, 6) AS topup_cash_consumed,
       topup_refunded::DECIMAL(18, 6) AS topup_refunded,
       topup_discount_used::DECIMAL(18, 6) AS topup_discount_used,
       CASE WHEN topup_amount IS NOT NULL THEN topup_refundable(topup_amount, topup_cash_consumed,
            topup_refunded, topup_discount_used) END::DECIMAL(18, 6) AS topup_refundable
FROM g;

-- per account and business date, what moved that day (cumulated by marts/balances.sql)
CREATE OR REPLACE TEMP TABLE int_balance__daily AS
WITH parts AS (
    SELECT account_id, business_date, amount AS usage_amount, platform_cash, platform_trial,
           platform_discount, platform_unpaid
    FROM _bal_days
    UNION ALL BY NAME
    SELECT account_id, business_date,
           CASE kind WHEN 2 THEN from_micro(micro) END AS cash_consumed,
           CASE kind WHEN 0 THEN from_micro(micro) END AS trial_consumed,
           CASE kind WHEN 1 THEN from_micro(micro) END AS discount_consumed,
           CASE kind WHEN 3 THEN from_micro(micro) END AS uncovered
    FROM _bal_day_draws
    UNION ALL BY NAME
    SELECT account_id, business_date,
           CASE WHEN kind = 'trial' THEN amount END AS trial_expired,
           CASE WHEN kind = 'discount' THEN amount END AS discount_expired
    FROM intermediate.int_balance__movements
    WHERE movement IN ('expire', 'void')
    UNION ALL BY NAME
    SELECT account_id, biz_date(credited_at) AS business_date,
           CASE WHEN kind = 'cash' THEN amount END AS cash_credited,
           CASE WHEN kind = 'trial' THEN amount END AS trial_credited,
           CASE WHEN kind = 'discount' THEN amount END AS discount_credited
    FROM intermediate.int_balance__lots
    UNION ALL BY NAME
    SELECT account_id, biz_date(effective_at) AS business_date, amount AS cash_refunded
    FROM _bal_refunds
    UNION ALL BY NAME
    SELECT account_id, business_date, amount AS invoiced FROM int_invoices WHERE counts
)
SELECT account_id, business_date,
       coalesce(sum(cash_credited), 0)::DECIMAL(18, 6) AS cash_credited,
       coalesce(sum(cash_consumed), 0)::DECIMAL(18, 6) AS cash_consumed,
       coalesce(sum(cash_refunded), 0)::DECIMAL(18, 6) AS cash_refunded,
       coalesce(sum(trial_credited), 0)::DECIMAL(18, 6) AS trial_credited,
       coalesce(sum(trial_consumed), 0)::DECIMAL(18, 6) AS trial_consumed,
       coalesce(sum(trial_expired), 0)::DECIMAL(18, 6) AS trial_expired,
       coalesce(sum(discount_credited), 0)::DECIMAL(18, 6) AS discount_credited,
       coalesce(sum(discount_consumed), 0)::DECIMAL(18, 6) AS discount_consumed,
       coalesce(sum(discount_expired), 0)::DECIMAL(18, 6) AS discount_expired,
       coalesce(sum(invoiced), 0)::DECIMAL(18, 6) AS invoiced,
       coalesce(sum(uncovered), 0)::DECIMAL(18, 6) AS uncovered,
       coalesce(sum(usage_amount), 0)::DECIMAL(18, 6) AS usage_amount,
       coalesce(sum(platform_cash), 0)::DECIMAL(18, 6) AS platform_cash,
       coalesce(sum(platform_trial), 0)::DECIMAL(18, 6) AS platform_trial,
       coalesce(sum(platform_discount), 0)::DECIMAL(18, 6) AS platform_discount,
       coalesce(sum(platform_unpaid), 0)::DECIMAL(18, 6) AS platform_unpaid
FROM parts
GROUP BY account_id, business_date;

-- free the big scratch tables for the rest of the build
DROP TABLE _bal_day_draws;
DROP TABLE _bal_days;
DROP TABLE _bal_segdays;
