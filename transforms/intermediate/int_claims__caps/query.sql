-- intermediate.int_claims__caps — the liability cap of every claim filed before "now" (Zhipu
-- §9.5; rules.md "The liability cap"): Σ usage cash_amount (cap_basis 'paid') or Σ amount
-- ('charged') of the account and model with started_at ≤ filed_at, exact DECIMAL(38,6).
-- transforms/intermediate/usage_extracts.py first carries the caps the published night
-- computed where no new call can change them; this query adds every other claim. The calls
-- are read for the accounts of those claims only.
INSERT INTO intermediate.int_claims__caps
WITH todo AS (
    SELECT claim_id, account_id, model, filed_at FROM int_claims
    WHERE claim_id NOT IN (SELECT claim_id FROM intermediate.int_claims__caps)
), spent AS (
    SELECT t.claim_id,
           sum(CASE WHEN $cap_basis = 'charged' THEN u.amount ELSE u.cash_amount END) AS cap
    FROM todo t
    JOIN int_usage u ON u.account_id = t.account_id AND u.model = t.model AND u.started_at <= t.filed_at
    WHERE u.account_id IN (SELECT account_id FROM todo)
    GROUP BY t.claim_id
)
SELECT t.claim_id, t.account_id, t.model, t.filed_at, $cap_basis, coalesce(s.cap, 0)
FROM todo t
LEFT JOIN spent s USING (claim_id);
