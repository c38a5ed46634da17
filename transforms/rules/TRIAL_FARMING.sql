-- rule_id: TRIAL_FARMING
-- severity: violation
-- clause: Zhipu Service Agreement §2.3 — platform trial funds are granted to new customers; Kimi User Agreement, 账户注册说明 — 不当使用多个账户 (improper use of several accounts)
-- audience: legal
-- settings: identity.match_probability
-- Flags, in an identity cluster (rules.md §3) whose trial grants went to at least 2 distinct
-- accounts, every trial grant of the cluster but its earliest by (granted_at, grant_id), the
-- earliest's own account's later trials included (rules.md §6 "TRIAL_FARMING"). amount_at_stake =
-- the grant's amount. Grants are as of "now".
-- Exists because one person may take the new-customer trial once, not once per account.
WITH g AS (
    SELECT g.*, coalesce(c.cluster_id, g.account_id) AS cluster_id
    FROM int_grants g
    LEFT JOIN intermediate.int_identity__clusters c USING (account_id)
    WHERE g.kind = 'trial'
), ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY cluster_id ORDER BY granted_at, grant_id) AS nth,
           count(DISTINCT account_id) OVER (PARTITION BY cluster_id) AS trial_accounts,
           first_value(grant_id) OVER (PARTITION BY cluster_id ORDER BY granted_at, grant_id) AS first_grant_id,
           first_value(account_id) OVER (PARTITION BY cluster_id ORDER BY granted_at, grant_id) AS first_account_id
    FROM g
)
SELECT account_id,
       'grant' AS subject_type,
       grant_id AS subject_id,
       granted_at AS occurred_at,
       amount AS amount_at_stake,
       json_object('grant_id', grant_id, 'granted_at', granted_at, 'amount', amount,
                   'cluster_id', cluster_id, 'accounts_with_trials', trial_accounts,
                   'first_trial_grant_id', first_grant_id,
                   'first_trial_account_id', first_account_id) AS evidence
FROM ranked
WHERE trial_accounts >= 2 AND nth > 1
