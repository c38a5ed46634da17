-- rule_id: THIRD_PARTY_TOPUP
-- severity: risk
-- clause: Zhipu Service Agreement §5.2 — if a third party tops up your balance account, it must have agreed to do so; otherwise the account may be locked and the amount refunded to the rights holder
-- audience: legal
-- settings: none
-- Flags each succeeded top-up whose payer_id_hash is set and equals neither the account's
-- id_doc_hash nor its enterprise_tax_id as of paid_at (the version in force, each identifier the
-- latest non-null one recorded up to then, rules.md §6 "Account versions"). amount_at_stake = the
-- top-up amount.
-- Reading: An account with neither identifier recorded by paid_at has nothing to compare with and
-- is not evaluated (TOPUP_BY_UNVERIFIED_ACCOUNT covers it).
-- Exists because money paid in by someone else may be reclaimed by its owner.
WITH ids AS (
    SELECT account_id, updated_at,
           last_value(nullif(trim(id_doc_hash), '') IGNORE NULLS) OVER w AS id_doc_hash,
           last_value(nullif(trim(enterprise_tax_id), '') IGNORE NULLS) OVER w AS enterprise_tax_id
    FROM int_accounts
    WINDOW w AS (PARTITION BY account_id ORDER BY updated_at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), topups AS (
    SELECT t.*, i.id_doc_hash, i.enterprise_tax_id
    FROM int_topups t
    ASOF JOIN ids i ON i.account_id = t.account_id AND t.paid_at >= i.updated_at
    WHERE t.succeeded AND nullif(trim(t.payer_id_hash), '') IS NOT NULL
)
SELECT account_id,
       'topup' AS subject_type,
       topup_id AS subject_id,
       paid_at AS occurred_at,
       amount AS amount_at_stake,
       json_object('topup_id', topup_id, 'paid_at', paid_at, 'amount', amount, 'method', method,
                   'payer_id_hash', payer_id_hash, 'account_id_doc_hash', id_doc_hash,
                   'account_enterprise_tax_id', enterprise_tax_id) AS evidence
FROM topups
WHERE (id_doc_hash IS NOT NULL OR enterprise_tax_id IS NOT NULL)
  AND payer_id_hash IS DISTINCT FROM id_doc_hash
  AND payer_id_hash IS DISTINCT FROM enterprise_tax_id
