-- rule_id: CHARGEBACK
-- severity: risk
-- clause: Zhipu Service Agreement §5.2, §5.3 — funds reversed by the payer through the payment channel may be third-party or illegal funds
-- audience: legal
-- settings: none
-- Flags every succeeded top-up whose payer reversed the payment (chargeback_at set before "now").
-- Exists because a chargeback takes the cash back while the balance it bought may already be spent.
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.chargeback_at AS occurred_at,
       t.amount AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'method', t.method, 'chargeback_at', t.chargeback_at) AS evidence
FROM int_topups t
WHERE t.succeeded AND t.chargeback_at IS NOT NULL
