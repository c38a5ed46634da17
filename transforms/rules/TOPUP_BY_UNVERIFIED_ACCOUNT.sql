-- rule_id: TOPUP_BY_UNVERIFIED_ACCOUNT
-- severity: violation
-- clause: Zhipu Service Agreement §3.1 — when you top up, you should possess an account that has been successfully verified through real-name authentication
-- audience: legal
-- settings: none
-- Flags each succeeded top-up when no version of its account has real_name_verified_at at or before
-- paid_at (verification counts from the earliest real_name_verified_at of any version, rules.md
-- §6). amount_at_stake = the amount.
-- Reading: A top-up into an account id with no account record at all is flagged too (nothing shows
-- it verified); evidence says account_known false.
-- Exists because the platform must know who pays in before it takes the money.
WITH acc AS (
    SELECT account_id, any_value(verified_from) AS verified_from
    FROM int_accounts GROUP BY account_id
)
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.paid_at AS occurred_at,
       t.amount AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'account_known', a.account_id IS NOT NULL,
                   'verified_from', a.verified_from) AS evidence
FROM int_topups t
LEFT JOIN acc a USING (account_id)
WHERE t.succeeded
  AND (a.verified_from IS NULL OR a.verified_from > t.paid_at)
