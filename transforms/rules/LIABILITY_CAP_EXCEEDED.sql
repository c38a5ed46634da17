-- rule_id: LIABILITY_CAP_EXCEEDED
-- severity: violation
-- clause: Zhipu Service Agreement §9.5 — under any circumstances, Zhipu's total liability for breach shall not exceed the total service fee of the service in breach
-- audience: legal
-- settings: liability.cap_basis
-- Flags, per account and model, the latest claim (by filed_at, claim_id) when Σ paid_amount of
-- every claim of that account and model filed before "now" exceeds the cap at the latest claim's
-- filed_at: Σ usage cash_amount (cap_basis 'paid', config) or amount ('charged') of the account and
-- model with started_at ≤ filed_at (rules.md §6 "Liability"; marts.liability_caps shows the same
-- cap per claim). amount_at_stake = the excess, Σ paid − cap.
-- Reading: Payments dated at or after "now" do not count yet.
-- Exists because compensation beyond the fees of the service in breach was never owed.
-- Implementation: each claim's cap is worked out once, in intermediate.int_claims__caps
-- (transforms/intermediate/usage_extracts.py), which keeps the published caps no new call
-- can change.
WITH per_service AS (
    SELECT account_id, model,
           arg_max(claim_id, (filed_at, claim_id)) AS latest_claim_id,
           max(filed_at) AS latest_filed_at,
           sum(CASE WHEN coalesce(paid_at < $now, true) THEN coalesce(paid_amount, 0) ELSE 0 END) AS paid,
           list(claim_id ORDER BY filed_at, claim_id) AS claim_ids
    FROM int_claims
    GROUP BY account_id, model
), capped AS (      -- the cap at the latest claim's filed_at (intermediate.int_claims__caps)
    SELECT p.*, k.cap
    FROM per_service p
    JOIN intermediate.int_claims__caps k ON k.claim_id = p.latest_claim_id
)
SELECT account_id,
       'claim' AS subject_type,
       latest_claim_id AS subject_id,
       latest_filed_at AS occurred_at,
       paid - cap AS amount_at_stake,
       json_object('account_id', account_id, 'model', model, 'claim_ids', claim_ids,
                   'paid_total', paid, 'cap_basis', $cap_basis, 'cap', cap,
                   'cap_at', latest_filed_at) AS evidence
FROM capped
WHERE paid > cap
