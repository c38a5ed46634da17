-- rule_id: BALANCE_TRANSFER
-- severity: violation
-- clause: Zhipu Service Agreement §6.1, §2.3, §2.4 — the top-up amount cannot be transferred or gifted; trial funds and discount amounts are non-transferable
-- audience: finance
-- settings: none
-- Flags each manual adjustment of kind transfer_out or transfer_in without a legal_basis (null or
-- blank). amount_at_stake = |amount|.
-- Exists because moving balance between accounts without a law, ruling or approved account transfer
-- behind it is a transfer the agreement forbids.
SELECT a.account_id,
       'adjustment' AS subject_type,
       a.adjustment_id AS subject_id,
       a."at" AS occurred_at,
       abs(a.amount) AS amount_at_stake,
       json_object('adjustment_id', a.adjustment_id, 'at', a."at", 'kind', a.kind,
                   'bucket', a.bucket, 'amount', a.amount,
                   'counterparty_account_id', a.counterparty_account_id,
                   'legal_basis', a.legal_basis) AS evidence
FROM int_adjustments a
WHERE a.kind IN ('transfer_out', 'transfer_in') AND nullif(trim(a.legal_basis), '') IS NULL
