-- intermediate.int_identity__links: one row per linked account pair and signal (rules.md §3):
-- the exact shared identifiers (_identity_exact_links, int_identity__exact_links.sql) and the
-- splink pairs scored by transforms/intermediate/identity.py (int_identity__scored_pairs).
CREATE OR REPLACE TABLE intermediate.int_identity__links AS
WITH prob AS (     -- version pairs -> account pairs; the best-scoring version pair is the evidence
    SELECT least(l.account_id, r.account_id) AS account_id_l,
           greatest(l.account_id, r.account_id) AS account_id_r,
           -- value class: each field's partial match weight in bits (+ agrees, - disagrees)
           arg_max(printf('name=%+.1f,birth_date=%+.1f,address=%+.1f',
                          s.mw_name, s.mw_birth_date, s.mw_address),
                   (s.match_weight, s.version_key_l, s.version_key_r)) AS value_class,
           max(s.match_weight) AS match_weight,
           max(s.match_probability) AS match_probability
    FROM intermediate.int_identity__scored_pairs s
    JOIN intermediate.int_identity__records l ON l.version_key = s.version_key_l
    JOIN intermediate.int_identity__records r ON r.version_key = s.version_key_r
    WHERE l.account_id <> r.account_id
    GROUP BY ALL
)
SELECT account_id_l, account_id_r, signal, value_class,
       NULL::DOUBLE AS match_weight, 1.0::DOUBLE AS match_probability
FROM _identity_exact_links
UNION ALL
SELECT account_id_l, account_id_r, 'name_birth_address', 'splink:' || value_class,
       match_weight, match_probability
FROM prob
ORDER BY account_id_l, account_id_r, signal;
