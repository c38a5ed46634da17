-- rule_id: USAGE_WHILE_SUSPENDED
-- severity: violation
-- clause: Zhipu Service Agreement §5.2, §5.3 — during the account lock period Zhipu suspends service usage and locks the user's API keys
-- audience: legal
-- settings: platform.timezone
-- days: usage.started_at, account_actions.at
-- Flags, per account and business date, usage that started while the account was suspended: from a
-- `lock` or `freeze` (inclusive) to the next `unlock`, `unfreeze` or `reinstate` (exclusive);
-- overlapping suspensions merge and any resuming action ends them all (rules.md §6 "Intervals").
-- amount_at_stake = Σ amount of those usage rows.
-- Reading: Actions at the same instant are applied in action_id order (the last one decides the
-- state).
-- Exists because service given while the account is locked is service the lock should have stopped.
-- Implementation: The intervals are worked out once, in
-- transforms/intermediate/int_usage__out_of_service.sql. A rule by day: a finding of date d rests
-- on the calls of d and the actions before them, so a night recomputes only from the first date
-- its new calls or actions touch.
SELECT account_id,
       'account-date' AS subject_type,
       account_id || '|' || strftime(business_date, '%Y-%m-%d') AS subject_id,
       min(started_at) AS occurred_at,
       sum(amount) AS amount_at_stake,
       json_object('account_id', account_id, 'business_date', business_date,
                   'requests', count(*), 'first_started_at', min(started_at),
                   'last_started_at', max(started_at), 'amount', sum(amount),
                   'suspending_action_ids', list(DISTINCT action_id ORDER BY action_id)) AS evidence
FROM int_usage__out_of_service
WHERE kind = 'suspended'
GROUP BY account_id, business_date
