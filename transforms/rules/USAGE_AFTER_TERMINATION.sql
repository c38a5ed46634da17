-- rule_id: USAGE_AFTER_TERMINATION
-- severity: violation
-- clause: Kimi User Agreement, 服务协议的终止 — 注销账户、终止服务后服务协议关系解除 (once the account is closed or terminated the service relationship ends)
-- audience: legal
-- settings: platform.timezone
-- days: usage.started_at, account_actions.at
-- Flags, per account and business date, usage that started at or after a `close` or `terminate` and
-- before the next `reinstate` (half-open, rules.md §6 "Intervals"; unlock/unfreeze do not end a
-- termination). amount_at_stake = Σ amount of those usage rows.
-- Reading: Actions at the same instant apply in action_id order.
-- Exists because a closed or terminated account must not be served, and what it was billed is
-- disputed.
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
                   'ending_action_ids', list(DISTINCT action_id ORDER BY action_id)) AS evidence
FROM int_usage__out_of_service
WHERE kind = 'terminated'
GROUP BY account_id, business_date
