-- rule_id: TRIAL_NOT_NEW_CUSTOMER
-- severity: violation
-- clause: Zhipu Service Agreement §2.3 — platform trial funds are granted by the platform to new customers for trial scenarios
-- audience: legal
-- settings: rules.trial_new_customer_days
-- Flags each trial grant made more than $trial_new_customer_days (config, 30) days after the
-- account's registered_at (the first version's): granted_at > registered_at + 30 × 24 h. A grant
-- exactly 30 days after is not flagged. amount_at_stake = the grant's amount.
-- Reading: A grant to an account with no account record is not evaluated.
-- Exists because a customer who registered long ago is not the new customer trial funds are for.
WITH reg AS (
    SELECT account_id, any_value(first_registered_at) AS registered_at
    FROM int_accounts GROUP BY account_id
)
SELECT g.account_id,
       'grant' AS subject_type,
       g.grant_id AS subject_id,
       g.granted_at AS occurred_at,
       g.amount AS amount_at_stake,
       json_object('grant_id', g.grant_id, 'granted_at', g.granted_at, 'amount', g.amount,
                   'registered_at', r.registered_at,
                   'new_customer_until', r.registered_at + to_days($trial_new_customer_days)) AS evidence
FROM int_grants g
JOIN reg r USING (account_id)
WHERE g.kind = 'trial'
  AND g.granted_at > r.registered_at + to_days($trial_new_customer_days)
