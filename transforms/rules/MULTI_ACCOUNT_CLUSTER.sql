-- rule_id: MULTI_ACCOUNT_CLUSTER
-- severity: risk
-- clause: Kimi User Agreement, 账户注册说明 — 不当注册或不当使用多个 Kimi 智能助手账户的，可采取冻结或关闭账户等措施 (improperly registering or using several accounts may lead to freezing or closing them)
-- audience: legal
-- settings: rules.multi_account_min_size, identity.match_probability
-- Flags every account of an identity cluster (rules.md §3, membership as of "now") that holds at
-- least $multi_account_min_size (config, 3) accounts. amount_at_stake 0; occurred_at: the account's
-- first registration (null for an account known only from its top-ups). Evidence: the cluster, its
-- size, its first 20 accounts and this account's own links (marts.identity_clusters has every
-- member's).
-- Exists because one person behind many accounts is how trial funds and new-customer offers are
-- farmed.
WITH members AS (     -- the first 20 accounts by id: evidence stays small in a huge cluster
    SELECT c.cluster_id, list(c.account_id ORDER BY c.account_id)[1:20] AS accounts
    FROM intermediate.int_identity__clusters c
    WHERE c.cluster_size >= $multi_account_min_size
    GROUP BY c.cluster_id
), reg AS (
    SELECT account_id, any_value(first_registered_at) AS registered_at
    FROM int_accounts GROUP BY account_id
), own_links AS (
    SELECT account_id, list({'signal': signal, 'value_class': value_class,
                             'other_account': other_account} ORDER BY other_account, signal) AS links
    FROM (SELECT account_id_l AS account_id, account_id_r AS other_account, signal, value_class
          FROM intermediate.int_identity__links
          UNION ALL
          SELECT account_id_r, account_id_l, signal, value_class
          FROM intermediate.int_identity__links)
    GROUP BY account_id
)
SELECT c.account_id,
       'account' AS subject_type,
       c.account_id AS subject_id,
       r.registered_at AS occurred_at,
       0::DECIMAL(18, 2) AS amount_at_stake,
       json_object('cluster_id', c.cluster_id, 'cluster_size', c.cluster_size,
                   'accounts', m.accounts, 'links', l.links) AS evidence
FROM intermediate.int_identity__clusters c
JOIN members m USING (cluster_id)
LEFT JOIN reg r USING (account_id)
LEFT JOIN own_links l USING (account_id)
