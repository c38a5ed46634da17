-- _identity_exact_links (temp, read by identity.py into intermediate.int_identity__links): pairs of accounts that share an identifier of rules.md §3
-- (id document, enterprise tax id, phone, normalised e-mail, device, a top-up's payer instrument).
-- One row per (account pair, signal) with the value class of the match; account_id_l < account_id_r.
-- A value shared by more than $star_above accounts links each of them to the smallest account id
-- holding it (a star): the same connected component, without a quadratic number of evidence rows.
CREATE OR REPLACE TEMP TABLE _identity_exact_links AS
WITH signals AS (
    SELECT account_id, 'id_doc_hash' AS signal, id_doc_hash AS value, NULL AS raw
    FROM intermediate.int_identity__records WHERE id_doc_hash IS NOT NULL
    UNION ALL
    SELECT account_id, 'enterprise_tax_id', enterprise_tax_id, NULL
    FROM intermediate.int_identity__records WHERE enterprise_tax_id IS NOT NULL
    UNION ALL
    SELECT account_id, 'phone_hash', phone_hash, NULL
    FROM intermediate.int_identity__records WHERE phone_hash IS NOT NULL
    UNION ALL
    SELECT account_id, 'email', email_norm, email_lower
    FROM intermediate.int_identity__records WHERE email_norm IS NOT NULL
    UNION ALL
    SELECT account_id, 'device_id', device_id, NULL
    FROM intermediate.int_identity__records WHERE device_id IS NOT NULL
    UNION ALL
    -- top-ups of any status, as of "now" (rules.md §6 "Clusters")
    SELECT account_id, 'payer_ref_hash', nullif(trim(payer_ref_hash), ''), NULL
    FROM int_topups WHERE nullif(trim(payer_ref_hash), '') IS NOT NULL
), held AS (      -- one row per (signal, value, account); raw: one typed form of the value
    SELECT signal, value, account_id, min(raw) AS raw
    FROM signals GROUP BY ALL
), sized AS (
    SELECT *, count(*) OVER (PARTITION BY signal, value) AS holders,
              min(account_id) OVER (PARTITION BY signal, value) AS hub
    FROM held
), pairs AS (
    SELECT l.signal, l.value, l.account_id AS account_id_l, r.account_id AS account_id_r,
           l.raw AS raw_l, r.raw AS raw_r
    FROM sized l JOIN sized r
      ON l.signal = r.signal AND l.value = r.value AND l.account_id < r.account_id
    WHERE l.holders <= $star_above
    UNION ALL
    SELECT l.signal, l.value, l.hub, l.account_id, h.raw, l.raw
    FROM sized l JOIN sized h
      ON h.signal = l.signal AND h.value = l.value AND h.account_id = l.hub
    WHERE l.holders > $star_above AND l.account_id <> l.hub
)
SELECT account_id_l, account_id_r, signal,
       -- the value class: how the two values matched
       min(CASE WHEN signal <> 'email' THEN signal || ':exact'
                WHEN raw_l = raw_r THEN 'email:exact'
                WHEN value LIKE '%@gmail.com' THEN 'email:gmail-normalized'
                ELSE 'email:tag-removed' END) AS value_class
FROM pairs
GROUP BY account_id_l, account_id_r, signal;
