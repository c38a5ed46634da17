-- intermediate.int_identity__clusters: every account's connected component of identity links,
-- computed in Python (transforms/intermediate/identity.py) and bound as $accounts / $roots.
CREATE OR REPLACE TABLE intermediate.int_identity__clusters AS
WITH r AS (SELECT unnest($accounts) AS account_id, unnest($roots) AS cluster_id)
SELECT account_id, cluster_id, count(*) OVER (PARTITION BY cluster_id) AS cluster_size
FROM r ORDER BY account_id;
