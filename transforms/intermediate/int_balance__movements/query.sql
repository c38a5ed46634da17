-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- one row per money movement of a step: draw (usage of a segment funded from a lot), expire
-- (a grant's remainder forfeited), void (a linked discount voided by a refund of its top-up),
-- refund_debit (cash a refund took from its top-up), uncovered (usage no lot covered; lot
-- null). business_date: the event's, or a segment's first. A segment's draws lie end to end on
-- its running total: segment_offset is where each starts.
CREATE OR REPLACE TABLE intermediate.int_balance__movements AS
SELECT s.account_id, s.business_date, s.ord, s.anchor, l.lot_source, l.lot_id, l.kind, l.topup_id,
       CASE m.type WHEN 0 THEN 'draw' WHEN 1 THEN 'expire' WHEN 2 THEN 'void'
                   WHEN 3 THEN 'refund_debit' ELSE 'uncovered' END AS movement,
       from_micro(m.amount) AS amount,
       from_micro(m."offset") AS segment_offset
FROM _bal_moves_arrow m
JOIN _bal_steps s ON s.step = m.step
LEFT JOIN intermediate.int_balance__lots l ON l.lot_idx = m.lot AND m.lot >= 0;
