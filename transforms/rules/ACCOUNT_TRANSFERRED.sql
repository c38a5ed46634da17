-- rule_id: ACCOUNT_TRANSFERRED
-- severity: violation
-- clause: Kimi User Agreement, 账户转让说明 — 除此以外，您的账户不得以任何方式转让 (save as the law, a court ruling or the platform's transfer process allows, an account may not be transferred in any way)
-- audience: legal
-- settings: balance.burn_down, balance.trial_days
-- Flags each account a later version of which carries a different id_doc_hash or enterprise_tax_id
-- than the latest earlier non-null one (a first recording, null to value, is no change), when the
-- account was verified (earliest real_name_verified_at) strictly before that version's updated_at.
-- Only the first change is flagged (rules.md §6 "Account versions"). amount_at_stake: unconsumed
-- cash at the change, from the balance engine's checkpoint of kind account_version (usage at
-- updated_at included).
-- Reading: A negative unconsumed cash (after an excessive refund) puts 0 at stake; an account with
-- no checkpoint row has 0.
-- Exists because the holder's rights to the balance do not pass to whoever took the account over.
WITH v AS (
    SELECT account_id, updated_at, verified_from,
           nullif(trim(id_doc_hash), '') AS id_doc,
           nullif(trim(enterprise_tax_id), '') AS tax_id
    FROM int_accounts
), prev AS (
    SELECT *,
           lag(id_doc IGNORE NULLS) OVER w AS prev_id_doc,
           lag(tax_id IGNORE NULLS) OVER w AS prev_tax_id
    FROM v
    WINDOW w AS (PARTITION BY account_id ORDER BY updated_at)
), changes AS (
    SELECT *,
           row_number() OVER (PARTITION BY account_id ORDER BY updated_at) AS nth
    FROM prev
    WHERE verified_from < updated_at
      AND ((id_doc IS NOT NULL AND prev_id_doc IS NOT NULL AND id_doc <> prev_id_doc)
        OR (tax_id IS NOT NULL AND prev_tax_id IS NOT NULL AND tax_id <> prev_tax_id))
)
SELECT c.account_id,
       'account' AS subject_type,
       c.account_id AS subject_id,
       c.updated_at AS occurred_at,
       greatest(coalesce(k.account_unconsumed_cash, 0), 0) AS amount_at_stake,
       json_object('account_id', c.account_id, 'changed_at', c.updated_at,
                   'verified_from', c.verified_from,
                   'id_doc_hash_before', c.prev_id_doc, 'id_doc_hash_after', c.id_doc,
                   'enterprise_tax_id_before', c.prev_tax_id, 'enterprise_tax_id_after', c.tax_id,
                   'unconsumed_cash_at_change', k.account_unconsumed_cash) AS evidence
FROM changes c
LEFT JOIN intermediate.int_balance__checkpoints k
  ON k.checkpoint_kind = 'account_version' AND k.account_id = c.account_id AND k."at" = c.updated_at
WHERE c.nth = 1
