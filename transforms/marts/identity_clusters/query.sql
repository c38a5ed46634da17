-- marts.identity_clusters — one row per account (every account, singletons with size 1).
-- cluster_id: the smallest account_id of the connected component of identity links (rules.md §3).
-- links: JSON text, the account's own links, each {signal, value_class, other_account, weight,
-- probability}; weight is splink's match weight in bits, null for an exact shared identifier
-- (probability 1). Sorted by other_account, signal, so the text is the same on every re-run.
CREATE OR REPLACE TABLE marts.identity_clusters AS
WITH ends AS (
    SELECT account_id_l AS account_id, account_id_r AS other_account, signal, value_class,
           match_weight, match_probability
    FROM intermediate.int_identity__links
    UNION ALL
    SELECT account_id_r, account_id_l, signal, value_class, match_weight, match_probability
    FROM intermediate.int_identity__links
), per_account AS (
    SELECT account_id,
           to_json(list({'signal': signal, 'value_class': value_class,
                         'other_account': other_account, 'weight': match_weight,
                         'probability': match_probability}
                        ORDER BY other_account, signal))::VARCHAR AS links
    FROM ends GROUP BY account_id
)
SELECT c.account_id, c.cluster_id, c.cluster_size, coalesce(p.links, '[]') AS links
FROM intermediate.int_identity__clusters c
LEFT JOIN per_account p USING (account_id)
ORDER BY c.account_id;
