-- _bal_steps: the steps the engine walks, a scratch table of transforms/intermediate/balance.py,
-- made of the segments of int_balance__segdays.sql (run before it; on a restart balance.py
-- takes the open segments' draws back in between).
--
-- What the engine walks, in order. Per account: restored lots of a saved state
-- (typ 5), then each event followed by the segment anchored on it (typ 3, amt = Σ amount in
-- micro-yuan, business_date its first; a business date whose calls sum below zero counts as
-- zero). On a restart, the account's open segment (_bal_open: its calls before balance_since,
-- drawn last night) is drawn again whole, its earlier days first.
-- step: the index of the step in the walk (the engine's arrays). ord: the step's number within
-- its account, 2 × anchor for an event and 2 × anchor + 1 for the segment after it (null for a
-- restore): it depends only on the account's own events, so a restart continues it.
CREATE OR REPLACE TEMP TABLE _bal_steps AS
WITH s AS (
    SELECT account_id, -1 AS anchor, 0 AS is_seg, NULL::DATE AS business_date, 5 AS typ,
           lot_idx AS lot, 0::HUGEINT AS amt
    FROM _bal_restore
    UNION ALL
    SELECT account_id, eord, 0, biz_date(event_at), typ, lot, amt FROM _bal_events
    UNION ALL
    SELECT account_id, anchor, 1, min(business_date), 3, -1, sum(micro)
    FROM (SELECT account_id, anchor, business_date, greatest(to_micro(amount), 0) AS micro
          FROM _bal_segdays
          UNION ALL
          SELECT account_id, anchor, business_date, micro FROM _bal_open)
    GROUP BY account_id, anchor
)
SELECT (row_number() OVER (ORDER BY account_id, anchor, is_seg, lot) - 1)::BIGINT AS step,
       CASE WHEN typ <> 5 THEN 2 * anchor + is_seg END::BIGINT AS ord,
       dense_rank() OVER (ORDER BY account_id)::BIGINT AS acct,
       s.*
FROM s;
