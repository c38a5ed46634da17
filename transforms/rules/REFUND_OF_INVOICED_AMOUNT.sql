-- rule_id: REFUND_OF_INVOICED_AMOUNT
-- severity: violation
-- clause: Zhipu Service Agreement §8.4 — amounts already invoiced cannot be refunded
-- audience: finance
-- settings: balance.burn_down, balance.trial_days
-- Flags each approved or paid refund whose amount exceeds the account's refundable(t) just before
-- it took effect, while over_invoiced(t) > 0 — the account had been invoiced for more cash than it
-- had consumed (rules.md §1: refundable = max(0, unconsumed_cash − over_invoiced)). amount_at_stake
-- = min(amount, over_invoiced).
-- Reading: Invoices issued at the refund's own instant are not yet counted (they sort after the
-- usage of that instant).
-- Reading: "Just before it took effect" applies earlier refunds at the same instant (by refund_id)
-- but not usage at that instant.
-- Exists because refunding invoiced money lets the buyer keep a tax invoice for money returned.
SELECT r.account_id,
       'refund' AS subject_type,
       r.refund_id AS subject_id,
       r.effective_at AS occurred_at,
       least(r.amount, c.account_over_invoiced) AS amount_at_stake,
       json_object('refund_id', r.refund_id, 'topup_id', r.topup_id, 'status', r.status,
                   'requested_at', r.requested_at, 'decided_at', r.decided_at, 'amount', r.amount,
                   'account_invoiced', c.account_invoiced,
                   'account_cash_consumed', c.account_cash_consumed,
                   'account_over_invoiced', c.account_over_invoiced,
                   'account_unconsumed_cash', c.account_unconsumed_cash,
                   'account_refundable', c.account_refundable) AS evidence
FROM int_refunds r
JOIN intermediate.int_balance__checkpoints c
  ON c.checkpoint_kind = 'refund_decided' AND c.checkpoint_id = r.refund_id
WHERE r.takes_money AND r.amount > c.account_refundable AND c.account_over_invoiced > 0
