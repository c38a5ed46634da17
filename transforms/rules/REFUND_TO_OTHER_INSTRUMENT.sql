-- rule_id: REFUND_TO_OTHER_INSTRUMENT
-- severity: violation
-- clause: Zhipu Service Agreement §8.1 — an approved refund is returned through the original payment method selected when topping up
-- audience: finance
-- settings: none
-- Flags each approved or paid refund whose destination_ref_hash is set and differs from the
-- payer_ref_hash of the top-up it refunds. amount_at_stake = the refund's amount. Requested and
-- rejected refunds moved no money and are not flagged.
-- Exists because refunding to another instrument is how third-party or illegal funds are laundered.
SELECT r.account_id,
       'refund' AS subject_type,
       r.refund_id AS subject_id,
       r.effective_at AS occurred_at,
       r.amount AS amount_at_stake,
       json_object('refund_id', r.refund_id, 'topup_id', r.topup_id, 'status', r.status,
                   'decided_at', r.decided_at, 'amount', r.amount,
                   'destination_ref_hash', r.destination_ref_hash,
                   'topup_payer_ref_hash', t.payer_ref_hash, 'topup_method', t.method) AS evidence
FROM int_refunds r
JOIN int_topups t ON t.topup_id = r.topup_id
WHERE r.takes_money AND r.destination_ref_hash IS NOT NULL AND r.destination_ref_hash <> ''
  AND r.destination_ref_hash IS DISTINCT FROM t.payer_ref_hash
