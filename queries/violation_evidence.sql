-- violation_evidence: What a violation says, and every record it rests on.
--
-- The first row is the violation itself (rule, severity, clause, amount at stake; its evidence
-- JSON in detail). Then each landing record it names, found by id anywhere in its evidence or
-- as its subject: top-ups, refunds, invoices, grants, account actions, adjustments, claims,
-- promotions, the prices of a model it names, API calls, and every version of the accounts
-- involved; for a per-day finding (account-date, account-model-date) also each API call of that
-- account on that date. detail is the record as loaded (JSON, with its landing file and row).
--
-- Parameters:
--   violation_id  VARCHAR  required  a violation_id of marts.violations
WITH v AS (
    SELECT * FROM marts.violations WHERE violation_id = $violation_id
), named AS (    -- every string in the evidence, the subject and the account: ids to look up
    SELECT DISTINCT unnest(regexp_extract_all(evidence, '"([^"]*)"', 1)) AS id FROM v
    UNION SELECT subject_id FROM v
    UNION SELECT account_id FROM v
), day AS (      -- a per-day finding's account, date and (for account-model-date) model
    SELECT account_id, try_cast(string_split(subject_id, '|')[-1] AS DATE) AS d,
           CASE WHEN subject_type = 'account-model-date' THEN string_split(subject_id, '|')[2] END AS model
    FROM v WHERE subject_type IN ('account-date', 'account-model-date')
), records AS (
    SELECT 'top-up' AS record_kind, topup_id AS record_id, account_id, paid_at AS "at",
           amount::DECIMAL(18, 6) AS amount, to_json(t)::VARCHAR AS detail
    FROM staging.topups t WHERE topup_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'refund', refund_id, account_id, coalesce(decided_at, requested_at), amount, to_json(t)::VARCHAR
    FROM staging.refunds t WHERE refund_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'invoice', invoice_id, account_id, issued_at, amount, to_json(t)::VARCHAR
    FROM staging.invoices t WHERE invoice_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'grant', grant_id, account_id, granted_at, amount, to_json(t)::VARCHAR
    FROM staging.grants t WHERE grant_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'account action', action_id, account_id, t."at", NULL, to_json(t)::VARCHAR
    FROM staging.account_actions t WHERE action_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'adjustment', adjustment_id, account_id, t."at", amount, to_json(t)::VARCHAR
    FROM staging.adjustments t WHERE adjustment_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'claim', claim_id, account_id, filed_at, claimed_amount, to_json(t)::VARCHAR
    FROM staging.claims t WHERE claim_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'promotion', promotion_id, NULL, starts_at, NULL, to_json(t)::VARCHAR
    FROM staging.promotions t WHERE promotion_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'price', model, NULL, effective_from, NULL, to_json(t)::VARCHAR
    FROM staging.prices t WHERE model IN (SELECT id FROM named)
    UNION ALL
    SELECT 'account version', account_id, account_id, updated_at, NULL, to_json(t)::VARCHAR
    FROM staging.accounts t WHERE account_id IN (SELECT id FROM named)
    UNION ALL
    SELECT 'API call', request_id, t.account_id, started_at, amount, to_json(t)::VARCHAR
    FROM staging.usage t
    WHERE request_id IN (SELECT id FROM named)
       OR EXISTS (SELECT 1 FROM day WHERE day.account_id = t.account_id
                  AND biz_date(t.started_at) = day.d
                  AND (day.model IS NULL OR day.model = t.model))
)
SELECT 'violation ' || rule_id AS record_kind, violation_id AS record_id, account_id,
       occurred_at AS "at", amount_at_stake::DECIMAL(18, 6) AS amount,
       severity || ': ' || clause || ' | subject ' || subject_type || ' ' || subject_id
           || ' | first detected ' || first_detected_on || ' | evidence ' || evidence AS detail
FROM v
UNION ALL
SELECT * FROM records
ORDER BY record_kind LIKE 'violation %' DESC, "at", record_kind, record_id;
