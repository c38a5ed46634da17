-- intermediate.int_balance__anchors: the last balance event at or before each key, for placing
-- usage between events (transforms/intermediate/int_balance__steps.sql).
CREATE OR REPLACE TABLE intermediate.int_balance__anchors AS
SELECT account_id, ekey, max(eord) AS eord
FROM _bal_events
GROUP BY account_id, ekey;
