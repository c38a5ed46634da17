-- marts.liability_caps — one row per compensation claim filed before "now" (Zhipu §9; rules.md
-- "The liability cap"). cap: the fees of the service in breach (account × model) up to and
-- including filed_at: Σ usage cash_amount (cap_basis 'paid') or Σ amount ('charged'), exact
-- DECIMAL(38,6). eligible: claimed_amount for direct damage from a platform fault, else 0.
-- paid_before: Σ paid_amount of the earlier claims of the account and model, earlier by
-- (filed_at, claim_id). payable = max(0, min(eligible, cap − paid_before)), exact, not rounded.
-- reason: why less than claimed is payable (null when all of it is):
--   indirect_damage (§9.3) > exempt_cause (§9.2: force majeure, public service, maintenance,
--   third party) > not_platform_fault (user_fault) > cap_reached (§9.5); the first that applies.
-- Readings: a payment dated (paid_at) at or after "now" has not happened yet; one without paid_at
-- counts. Earlier claims count what was paid on them whether or not they were eligible.
CREATE OR REPLACE TABLE marts.liability_caps AS
WITH claims AS (
    SELECT c.*,
           coalesce(sum(CASE WHEN coalesce(c.paid_at < $now, true) THEN coalesce(c.paid_amount, 0) ELSE 0 END) OVER (
               PARTITION BY c.account_id, c.model ORDER BY c.filed_at, c.claim_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::DECIMAL(38, 2) AS paid_before,
           CASE WHEN c.damage_type = 'direct' AND c.cause = 'platform_fault'
                THEN c.claimed_amount ELSE 0 END::DECIMAL(18, 2) AS eligible
    FROM int_claims c
), capped AS (     -- the cap at filed_at: intermediate.int_claims__caps
    SELECT c.*, k.cap_basis, k.cap
    FROM claims c
    JOIN intermediate.int_claims__caps k USING (claim_id)
), paying AS (
    SELECT *, greatest(0, least(eligible, cap - paid_before))::DECIMAL(38, 6) AS payable FROM capped
)
SELECT claim_id, account_id, model, cap_basis, cap, eligible, paid_before, payable,
       CASE WHEN payable >= claimed_amount THEN NULL
            WHEN damage_type = 'indirect' THEN 'indirect_damage'
            WHEN cause IN ('force_majeure', 'public_service_failure', 'maintenance', 'third_party')
                THEN 'exempt_cause'
            WHEN cause <> 'platform_fault' THEN 'not_platform_fault'
            ELSE 'cap_reached' END AS reason,
       claimed_amount, paid_amount, filed_at, cause, damage_type
FROM paying
ORDER BY claim_id;
