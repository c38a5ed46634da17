-- rule_id: USAGE_WITHOUT_BALANCE
-- severity: violation
-- clause: Zhipu Service Agreement §6.3 — services are used only while the balance is sufficient; prepaid services are paid in full before use
-- audience: finance
-- settings: balance.burn_down, balance.trial_days, platform.timezone
-- Flags each account and business date on which recomputed funding (rules.md §1) left part of the
-- day's usage uncovered by any trial, discount or cash balance; amount_at_stake is that day's
-- uncovered amount.
-- Exists because service given without balance is revenue the platform may never collect.
SELECT d.account_id,
       'account-date' AS subject_type,
       d.account_id || '|' || strftime(d.business_date, '%Y-%m-%d') AS subject_id,
       (d.business_date::TIMESTAMP AT TIME ZONE $tz) AS occurred_at,
       d.uncovered AS amount_at_stake,
       json_object('account_id', d.account_id, 'business_date', d.business_date,
                   'usage_amount', d.usage_amount, 'uncovered', d.uncovered,
                   'recomputed_cash', d.cash_consumed, 'recomputed_trial', d.trial_consumed,
                   'recomputed_discount', d.discount_consumed,
                   'platform_unpaid', d.platform_unpaid) AS evidence
FROM int_balance__daily d
WHERE d.uncovered > 0
