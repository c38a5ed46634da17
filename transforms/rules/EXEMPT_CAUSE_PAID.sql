-- rule_id: EXEMPT_CAUSE_PAID
-- severity: violation
-- clause: Zhipu Service Agreement §9.2 — no liability for breach caused by force majeure, public service failures (power, networks) or third-party factors, or by equipment and system maintenance
-- audience: legal
-- settings: none
-- Flags each claim with cause force_majeure, public_service_failure, maintenance or third_party and
-- paid_amount > 0 (a payment dated at or after "now" has not happened yet). amount_at_stake =
-- paid_amount.
-- Exists because compensation for an exempt cause was owed by nobody and paid anyway.
SELECT account_id,
       'claim' AS subject_type,
       claim_id AS subject_id,
       coalesce(paid_at, filed_at) AS occurred_at,
       paid_amount AS amount_at_stake,
       json_object('claim_id', claim_id, 'model', model, 'filed_at', filed_at, 'cause', cause,
                   'damage_type', damage_type, 'claimed_amount', claimed_amount,
                   'paid_amount', paid_amount, 'paid_at', paid_at) AS evidence
FROM int_claims
WHERE cause IN ('force_majeure', 'public_service_failure', 'maintenance', 'third_party')
  AND paid_amount > 0 AND coalesce(paid_at < $now, true)
