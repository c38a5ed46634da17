-- cluster_members: Which accounts belong to this account's identity cluster, and why.
--
-- One row per link of each member of the account's cluster (rules.md §3): the member, the account
-- it is linked to, the signal (a shared id document, tax id, phone, e-mail, device or payer
-- instrument, or splink's name/birth date/address match), how the values matched, the match
-- probability, and the shared value itself for an exact signal. A member without links of its
-- own (or an account alone in its cluster) has one row with no link. The queried account's rows
-- come first.
--
-- Parameters:
--   account_id  VARCHAR  required  an account of the cluster, e.g. P00035
WITH target AS (
    SELECT cluster_id FROM marts.identity_clusters WHERE account_id = $account_id
), members AS (
    SELECT c.account_id, c.cluster_id, c.cluster_size,
           from_json(c.links, '[{"signal": "VARCHAR", "value_class": "VARCHAR",
                                 "other_account": "VARCHAR", "weight": "DOUBLE",
                                 "probability": "DOUBLE"}]') AS links
    FROM marts.identity_clusters c SEMI JOIN target USING (cluster_id)
), links AS (
    SELECT account_id, unnest(links) AS l FROM members
), held AS (     -- every identifier value a member has held, in any version or top-up
    SELECT account_id, 'id_doc_hash' AS signal, id_doc_hash AS value
    FROM intermediate.int_identity__records WHERE id_doc_hash IS NOT NULL
    UNION SELECT account_id, 'enterprise_tax_id', enterprise_tax_id
    FROM intermediate.int_identity__records WHERE enterprise_tax_id IS NOT NULL
    UNION SELECT account_id, 'phone_hash', phone_hash
    FROM intermediate.int_identity__records WHERE phone_hash IS NOT NULL
    UNION SELECT account_id, 'email', email_norm
    FROM intermediate.int_identity__records WHERE email_norm IS NOT NULL
    UNION SELECT account_id, 'device_id', device_id
    FROM intermediate.int_identity__records WHERE device_id IS NOT NULL
    UNION SELECT account_id, 'payer_ref_hash', payer_ref_hash
    FROM staging.topups WHERE nullif(trim(payer_ref_hash), '') IS NOT NULL
), shared AS (
    SELECT a.account_id, b.account_id AS other_account, a.signal,
           string_agg(DISTINCT a.value, ', ' ORDER BY a.value) AS shared_value
    FROM held a JOIN held b ON a.signal = b.signal AND a.value = b.value
                           AND a.account_id <> b.account_id
    WHERE a.account_id IN (SELECT account_id FROM members)
    GROUP BY ALL
), latest AS (   -- each member's current version
    SELECT account_id, account_type, registered_at, real_name_verified_at
    FROM staging.accounts
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY updated_at DESC) = 1
)
SELECT m.cluster_id, m.cluster_size, m.account_id, m.account_id = $account_id AS queried,
       a.account_type, a.registered_at, a.real_name_verified_at AS verified_at,
       k.l.other_account AS linked_to, k.l.signal AS signal, k.l.value_class AS matched_by,
       k.l.probability AS probability, s.shared_value
FROM members m
LEFT JOIN links k ON k.account_id = m.account_id
LEFT JOIN shared s ON s.account_id = m.account_id AND s.other_account = k.l.other_account
                  AND s.signal = k.l.signal
LEFT JOIN latest a ON a.account_id = m.account_id
ORDER BY NOT queried, m.account_id, linked_to, signal;
