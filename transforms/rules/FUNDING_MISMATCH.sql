-- rule_id: FUNDING_MISMATCH
-- severity: break
-- clause: Zhipu Service Agreement §3.2, §6 — the balance account funds each charge from the top-up amount, trial funds and discount amounts; the platform's funding must match the balance rules
-- audience: finance
-- settings: balance.burn_down, balance.trial_days, platform.timezone
-- Flags each account and business date where the platform's Σ cash / trial / discount / unpaid
-- parts of the day's calls differ from the recomputed funding (rules.md §1): the recomputed cash,
-- trial and discount draws and the uncovered remainder. amount_at_stake = Σ |difference| over the
-- four parts / 2 (money moved from one part to another counts once).
-- Reading: The day's sums are compared per part, not running totals: one row per account and
-- business date.
-- Exists because a platform that funds charges differently from its own rules misstates deferred
-- revenue and what each user may refund or invoice. Chargebacks and manual adjustments are not in
-- the recomputed books (rules.md §6), so they show up here.
SELECT account_id,
       'account-date' AS subject_type,
       account_id || '|' || strftime(business_date, '%Y-%m-%d') AS subject_id,
       (business_date::TIMESTAMP AT TIME ZONE $tz) AS occurred_at,
       (abs(platform_cash - cash_consumed) + abs(platform_trial - trial_consumed)
        + abs(platform_discount - discount_consumed) + abs(platform_unpaid - uncovered)) * 0.5
           AS amount_at_stake,
       json_object('account_id', account_id, 'business_date', business_date,
                   'usage_amount', usage_amount,
                   'platform_cash', platform_cash, 'platform_trial', platform_trial,
                   'platform_discount', platform_discount, 'platform_unpaid', platform_unpaid,
                   'recomputed_cash', cash_consumed, 'recomputed_trial', trial_consumed,
                   'recomputed_discount', discount_consumed, 'recomputed_uncovered', uncovered)
           AS evidence
FROM int_balance__daily
WHERE platform_cash <> cash_consumed OR platform_trial <> trial_consumed
   OR platform_discount <> discount_consumed OR platform_unpaid <> uncovered
