-- rule_id: INVOICE_TITLE_WITHOUT_PROOF
-- severity: violation
-- clause: Zhipu Service Agreement §7.2 — individuals need to provide employment certificates, business licenses and work badges as proof when applying for corporate invoices
-- audience: finance
-- settings: none
-- Flags each issued invoice with an enterprise title of an account that is a personal account at
-- issued_at (the version in force) where proof_provided is not true (false or missing).
-- amount_at_stake = the invoice's amount.
-- Exists because a corporate invoice to a person without proof lets an enterprise deduct an expense
-- it may not have borne.
SELECT i.account_id,
       'invoice' AS subject_type,
       i.invoice_id AS subject_id,
       i.issued_at AS occurred_at,
       i.amount AS amount_at_stake,
       json_object('invoice_id', i.invoice_id, 'issued_at', i.issued_at, 'amount', i.amount,
                   'title_type', i.title_type, 'buyer_name', i.buyer_name,
                   'buyer_tax_id', i.buyer_tax_id, 'proof_provided', i.proof_provided,
                   'account_version_updated_at', a.updated_at,
                   'account_type', a.account_type) AS evidence
FROM int_invoices i
JOIN int_accounts a
  ON a.account_id = i.account_id AND a.valid_from <= i.issued_at
 AND (a.valid_to IS NULL OR i.issued_at < a.valid_to)
WHERE i.counts AND i.title_type = 'enterprise' AND a.account_type = 'personal'
  AND i.proof_provided IS NOT TRUE
