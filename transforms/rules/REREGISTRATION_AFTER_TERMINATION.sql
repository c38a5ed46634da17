-- rule_id: REREGISTRATION_AFTER_TERMINATION
-- severity: violation
-- clause: Kimi User Agreement, 服务协议的终止 (2) — 如您在 Kimi 智能助手终止提供服务后，再一次直接或间接以他人名义注册为用户的，Kimi 智能助手有权再次单方面终止 (whoever registers again, directly or in another's name, after the service was terminated may be terminated again)
-- audience: legal
-- settings: identity.match_probability
-- Flags each account registered (first version's registered_at) strictly after another account of
-- its identity cluster received a `terminate` action (a user's `close` does not count) and while
-- that termination still held: no `reinstate` of that account at or before the new registration
-- (half-open [terminate, reinstate), rules.md §6 "Intervals"). amount_at_stake 0.
-- Exists because a terminated user may not come back under a new account.
WITH terminated AS (      -- each terminate with the first reinstate after it (null: still terminated)
    SELECT t.account_id, t.action_id, t."at",
           (SELECT min(r."at") FROM int_account_actions r
            WHERE r.account_id = t.account_id AND r.action = 'reinstate' AND r."at" > t."at") AS ended_at
    FROM int_account_actions t
    WHERE t.action = 'terminate'
), reg AS (
    SELECT account_id, any_value(first_registered_at) AS registered_at
    FROM int_accounts GROUP BY account_id
), terminated_in_cluster AS (   -- terminations are few: join them to clusters first
    SELECT c.cluster_id, x.*
    FROM terminated x JOIN intermediate.int_identity__clusters c USING (account_id)
), hits AS (
    SELECT n.account_id, n.registered_at, x.account_id AS terminated_account_id,
           x.action_id, x."at" AS terminated_at, x.ended_at
    FROM reg n
    JOIN intermediate.int_identity__clusters cn ON cn.account_id = n.account_id
    JOIN terminated_in_cluster x ON x.cluster_id = cn.cluster_id AND x.account_id <> n.account_id
    WHERE n.registered_at > x."at"
      AND (x.ended_at IS NULL OR n.registered_at < x.ended_at)
)
SELECT account_id,
       'account' AS subject_type,
       account_id AS subject_id,
       any_value(registered_at) AS occurred_at,
       0::DECIMAL(18, 2) AS amount_at_stake,
       json_object('account_id', account_id, 'registered_at', any_value(registered_at),
                   'terminations', list({'account_id': terminated_account_id,
                                         'action_id': action_id, 'terminated_at': terminated_at,
                                         'reinstated_at': ended_at}
                                        ORDER BY terminated_at, action_id)) AS evidence
FROM hits
GROUP BY account_id
