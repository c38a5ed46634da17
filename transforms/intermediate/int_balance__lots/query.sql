-- The balance model's lots (rules.md §1), as of "now".
-- Run by transforms/intermediate/balance.py, which sets getvariable('balance_since'): events
-- before it are already in the saved state (-infinity on a full replay).
--
-- intermediate.int_balance__lots: one row per fund lot (a succeeded top-up or a grant).
--   lot_rank orders the lots of one account and kind for burn-down: earliest expires_at first
--   (no expiry last), then credited_at (granted_at / paid_at), then the lot's id. For cash that
--   is first-in-first-out by (paid_at, topup_id).
--   link_idx: for a discount linked to a top-up of the same account, that top-up's lot_idx.
CREATE OR REPLACE TABLE intermediate.int_balance__lots AS
WITH raw AS (
    SELECT t.account_id, 'topup' AS lot_source, t.topup_id AS lot_id, 'cash' AS kind,
           t.amount::DECIMAL(38, 6) AS amount, t.paid_at AS credited_at,
           NULL::TIMESTAMPTZ AS expires_at, NULL::VARCHAR AS topup_id
    FROM int_topups t
    WHERE t.succeeded
    UNION ALL
    SELECT g.account_id, 'grant', g.grant_id, g.kind, g.amount::DECIMAL(38, 6), g.granted_at,
           g.expires_at_eff, CASE WHEN g.kind = 'discount' THEN g.topup_id END
    FROM int_grants g
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY account_id, kind
                                 ORDER BY expires_at NULLS LAST, credited_at, lot_id) AS lot_rank
    FROM raw
),
indexed AS (
    SELECT (row_number() OVER (ORDER BY account_id, kind, lot_rank) - 1)::BIGINT AS lot_idx, *
    FROM ranked
)
SELECT l.*, coalesce(c.lot_idx, -1)::BIGINT AS link_idx
FROM indexed l
LEFT JOIN indexed c
       ON c.lot_source = 'topup' AND c.lot_id = l.topup_id AND c.account_id = l.account_id;
