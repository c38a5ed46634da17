-- rule_id: RAPID_TOPUP_REFUND
-- severity: risk
-- clause: Zhipu Service Agreement §5.3 — you warrant that the funds used for topping up are of legal origin
-- audience: legal
-- settings: rules.rapid_refund_hours, rules.rapid_refund_max_consumed_pct, balance.burn_down, balance.trial_days
-- Flags each refund, of any status, requested at most $rapid_refund_hours (config, 72) hours after
-- its top-up was paid (requested_at ≤ paid_at + 72 h) while less than
-- $rapid_refund_max_consumed_pct % (config, 5) of the top-up had been consumed: cash consumed from
-- that top-up up to and including requested_at (the balance engine's checkpoint of kind
-- refund_requested) × 100 < pct × amount. No checkpoint row: nothing consumed. amount_at_stake =
-- the refund's amount.
-- Exists because money paid in and promptly taken back out unused is how funds are laundered.
SELECT r.account_id,
       'refund' AS subject_type,
       r.refund_id AS subject_id,
       r.requested_at AS occurred_at,
       r.amount AS amount_at_stake,
       json_object('refund_id', r.refund_id, 'status', r.status, 'requested_at', r.requested_at,
                   'amount', r.amount, 'topup_id', t.topup_id, 'topup_paid_at', t.paid_at,
                   'topup_amount', t.amount,
                   'topup_cash_consumed', coalesce(k.topup_cash_consumed, 0)) AS evidence
FROM int_refunds r
JOIN int_topups t ON t.topup_id = r.topup_id
LEFT JOIN intermediate.int_balance__checkpoints k
  ON k.checkpoint_kind = 'refund_requested' AND k.checkpoint_id = r.refund_id
WHERE r.requested_at <= t.paid_at + to_hours($rapid_refund_hours)
  AND coalesce(k.topup_cash_consumed, 0) * 100 < $rapid_refund_max_consumed_pct * t.amount
