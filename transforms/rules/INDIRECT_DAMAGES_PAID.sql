-- rule_id: INDIRECT_DAMAGES_PAID
-- severity: violation
-- clause: Zhipu Service Agreement §9.3 — Zhipu is not liable for special, incidental, indirect or consequential damages and losses (expected benefits, profit, business opportunities, business interruption, information loss)
-- audience: legal
-- settings: none
-- Flags each claim with damage_type `indirect` and paid_amount > 0. amount_at_stake = paid_amount.
-- Reading: A payment dated at or after "now" (paid_at) has not happened yet; a paid_amount without
-- paid_at counts.
-- Exists because compensation for indirect loss was owed by nobody and paid anyway.
SELECT account_id,
       'claim' AS subject_type,
       claim_id AS subject_id,
       coalesce(paid_at, filed_at) AS occurred_at,
       paid_amount AS amount_at_stake,
       json_object('claim_id', claim_id, 'model', model, 'filed_at', filed_at, 'cause', cause,
                   'damage_type', damage_type, 'claimed_amount', claimed_amount,
                   'paid_amount', paid_amount, 'paid_at', paid_at) AS evidence
FROM int_claims
WHERE damage_type = 'indirect' AND paid_amount > 0 AND coalesce(paid_at < $now, true)
