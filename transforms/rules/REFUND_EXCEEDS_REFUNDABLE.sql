-- rule_id: REFUND_EXCEEDS_REFUNDABLE
-- severity: violation
-- clause: Zhipu Service Agreement §8.1–8.3 — only the unconsumed top-up amount may be refunded, trial funds and discount amounts excluded, and discount amounts already used are deducted from the refund
-- audience: finance
-- settings: balance.burn_down, balance.trial_days
-- Flags each approved or paid refund whose amount exceeds refundable(T) of its top-up just before
-- it took effect: max(0, amount − cash consumed from T − earlier refunds of T − usage drawn from
-- discounts linked to T) (rules.md §1). amount_at_stake = the excess.
-- Reading: A refund of an unknown or failed top-up has nothing refundable.
-- Reading: "Just before it took effect" applies earlier refunds at the same instant (by refund_id)
-- but not usage at that instant.
-- Exists because paying out more than is left of a top-up returns money that was spent.
SELECT r.account_id,
       'refund' AS subject_type,
       r.refund_id AS subject_id,
       r.effective_at AS occurred_at,
       r.amount - coalesce(c.topup_refundable, 0) AS amount_at_stake,
       json_object('refund_id', r.refund_id, 'topup_id', r.topup_id, 'status', r.status,
                   'requested_at', r.requested_at, 'decided_at', r.decided_at, 'amount', r.amount,
                   'topup_amount', c.topup_amount,
                   'topup_cash_consumed', c.topup_cash_consumed,
                   'topup_refunded_before', c.topup_refunded,
                   'topup_discount_used', c.topup_discount_used,
                   'refundable', coalesce(c.topup_refundable, 0)) AS evidence
FROM int_refunds r
JOIN intermediate.int_balance__checkpoints c
  ON c.checkpoint_kind = 'refund_decided' AND c.checkpoint_id = r.refund_id
WHERE r.takes_money AND r.amount > coalesce(c.topup_refundable, 0)
