-- rule_id: INVOICE_ENTITY_MISMATCH
-- severity: violation
-- clause: Zhipu Service Agreement §7.2 — corporate authentication accounts only support invoicing based on the authenticated corporate entity
-- audience: finance
-- settings: none
-- Flags each issued invoice with an enterprise title of an account that is an enterprise account at
-- issued_at (the version in force: latest updated_at ≤ issued_at) whose buyer_tax_id differs from
-- that version's enterprise_tax_id as verified at issued_at. amount_at_stake = the amount.
-- Reading: An account not verified by issued_at has no verified tax id, so any buyer_tax_id
-- differs.
-- Exists because an invoice to another entity moves deductible expenses to someone who did not pay.
SELECT i.account_id,
       'invoice' AS subject_type,
       i.invoice_id AS subject_id,
       i.issued_at AS occurred_at,
       i.amount AS amount_at_stake,
       json_object('invoice_id', i.invoice_id, 'issued_at', i.issued_at, 'amount', i.amount,
                   'title_type', i.title_type, 'buyer_name', i.buyer_name,
                   'buyer_tax_id', i.buyer_tax_id,
                   'account_version_updated_at', a.updated_at,
                   'account_type', a.account_type,
                   'verified_enterprise_tax_id', v.tax_id,
                   'verified_from', a.verified_from) AS evidence
FROM int_invoices i
JOIN int_accounts a
  ON a.account_id = i.account_id AND a.valid_from <= i.issued_at
 AND (a.valid_to IS NULL OR i.issued_at < a.valid_to)
CROSS JOIN LATERAL (SELECT CASE WHEN a.verified_from <= i.issued_at THEN a.enterprise_tax_id END AS tax_id) v
WHERE i.counts AND i.title_type = 'enterprise' AND a.account_type = 'enterprise'
  AND i.buyer_tax_id IS DISTINCT FROM v.tax_id
