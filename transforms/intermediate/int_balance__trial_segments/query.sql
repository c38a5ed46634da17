-- The engine's results back in the warehouse (transforms/intermediate/balance.py registers the
-- _bal_*_arrow relations, integer micro-yuan). Every money column leaves here as DECIMAL(38, 6).

-- segments that start after a trial grant of the account expired: the recomputed live trial
-- balance at the segment's start and the live balance of the kinds burnt before trial
CREATE OR REPLACE TABLE intermediate.int_balance__trial_segments AS
SELECT s.account_id, s.anchor,
       from_micro(t.trial_start) AS trial_start,
       from_micro(t.before_trial_start) AS before_trial_start
FROM _bal_trial_arrow t
JOIN _bal_steps s ON s.step = t.step;
