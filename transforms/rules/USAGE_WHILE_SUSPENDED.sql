-- rule_id: USAGE_WHILE_SUSPENDED
-- severity: violation
-- clause: Zhipu Service Agreement §5.2, §5.3 — during the account lock period Zhipu suspends service usage and locks the user's API keys
-- audience: legal
-- Flags, per account and business date, usage that started while the account was suspended:
-- from a `lock` or `freeze` (inclusive) to the next `unlock`, `unfreeze` or `reinstate`
-- (exclusive); overlapping suspensions merge and any resuming action ends them all (rules.md §6
-- "Intervals"). Reading: actions at the same instant are applied in action_id order (the last one
-- decides the state). amount_at_stake = Σ amount of those usage rows.
-- Exists because service given while the account is locked is service the lock should have stopped.
WITH changes AS (        -- the state each suspend/resume action leaves, one row per instant
    SELECT account_id, "at",
           arg_max(action IN ('lock', 'freeze'), action_id) AS suspended,
           arg_max(action_id, action_id) AS action_id
    FROM int_account_actions
    WHERE action IN ('lock', 'freeze', 'unlock', 'unfreeze', 'reinstate')
    GROUP BY account_id, "at"
), hit AS (
    SELECT u.account_id, u.business_date, u.request_id, u.started_at, u.amount, s.action_id
    FROM (SELECT * FROM int_usage          -- only accounts with such actions: usage is large
          WHERE account_id IN (SELECT account_id FROM changes)) u
    ASOF JOIN changes s ON s.account_id = u.account_id AND u.started_at >= s."at"
    WHERE s.suspended
)
SELECT account_id,
       'account-date' AS subject_type,
       account_id || '|' || strftime(business_date, '%Y-%m-%d') AS subject_id,
       min(started_at) AS occurred_at,
       sum(amount) AS amount_at_stake,
       json_object('account_id', account_id, 'business_date', business_date,
                   'requests', count(*), 'first_started_at', min(started_at),
                   'last_started_at', max(started_at), 'amount', sum(amount),
                   'suspending_action_ids', list(DISTINCT action_id ORDER BY action_id)) AS evidence
FROM hit
GROUP BY account_id, business_date
