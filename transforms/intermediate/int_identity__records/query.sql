-- intermediate.int_identity__records: one row per account version (every version, as of "now"),
-- with the identifiers of rules.md §3 normalised for matching. Grain: (account_id, updated_at).
-- Nulls and blank strings never link (data-contract: empty string means null).
CREATE OR REPLACE TABLE intermediate.int_identity__records AS
WITH v AS (
    SELECT a.account_id,
           a.updated_at,
           nullif(trim(a.id_doc_hash), '') AS id_doc_hash,
           nullif(trim(a.enterprise_tax_id), '') AS enterprise_tax_id,
           nullif(trim(a.phone_hash), '') AS phone_hash,
           nullif(trim(a.device_id), '') AS device_id,
           nullif(lower(trim(a.email)), '') AS email_lower,
           -- names and addresses: lower case, every run of non-letters/digits becomes one space
           nullif(trim(regexp_replace(lower(a.real_name), '[^\p{L}\p{N}]+', ' ', 'g')), '') AS name,
           a.birth_date,
           nullif(trim(regexp_replace(lower(a.address), '[^\p{L}\p{N}]+', ' ', 'g')), '') AS address
    FROM int_accounts a
), e AS (
    SELECT v.*,
           -- the domain after the last '@'; googlemail.com is gmail.com (rules.md §6 "Clusters")
           CASE WHEN email_lower LIKE '%_@_%' THEN
               replace(regexp_extract(email_lower, '@([^@]*)$', 1), 'googlemail.com', 'gmail.com')
           END AS email_domain,
           CASE WHEN email_lower LIKE '%_@_%' THEN regexp_extract(email_lower, '^(.*)@[^@]*$', 1) END AS email_local
    FROM v
)
SELECT account_id,
       updated_at,
       account_id || '@' || strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS version_key,
       id_doc_hash, enterprise_tax_id, phone_hash, device_id, email_lower,
       -- normalised e-mail: a '+tag' is cut for every domain; gmail also ignores dots in the local part
       CASE WHEN email_domain IS NOT NULL THEN
           nullif(CASE WHEN email_domain = 'gmail.com'
                       THEN replace(split_part(email_local, '+', 1), '.', '')
                       ELSE split_part(email_local, '+', 1) END, '')
           || '@' || email_domain
            ELSE email_lower                                                  -- no '@': compared as typed
       END AS email_norm,
       email_domain = 'gmail.com' AS email_is_gmail,
       name,
       array_to_string(list_sort(str_split(name, ' ')), ' ') AS name_sorted,   -- order-free: "kiss alexandra"
       substr(name, 1, 3) AS name_prefix,
       birth_date,
       strftime(birth_date, '%Y%m%d') AS birth_digits,                       -- for typo distance on dates
       address,
       list_distinct(str_split(address, ' ')) AS address_tokens
FROM e;
