-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- the end state: what is left of every lot, to restart the replay from
CREATE OR REPLACE TABLE intermediate.int_balance__state AS
SELECT l.account_id, l.lot_source, l.lot_id, l.kind, getvariable('now') AS as_of,
       from_micro(x.remaining) AS remaining, from_micro(x.consumed) AS consumed,
       from_micro(x.discount_used) AS discount_used, x.voided, x.expired
FROM _bal_state_arrow x
JOIN intermediate.int_balance__lots l ON l.lot_idx = x.lot_idx;
