-- rule_id: PROMOTION_NEW_CUSTOMER_ONLY
-- severity: violation
-- clause: Zhipu Service Agreement, preamble — Promotional Measures may only apply to customers meeting specific conditions (here: new customers only)
-- audience: legal
-- settings: identity.match_probability
-- Flags each succeeded top-up that applied a promotion marked new_customers_only while some account
-- of its identity cluster (itself included; rules.md §3, as of "now") already had a succeeded
-- top-up paid strictly earlier. amount_at_stake: the linked discount — Σ discount grants linked to
-- the top-up that name one of those new-customer promotions or name none.
-- Reading: An unattributed discount of the top-up is taken to come from it.
-- Exists because a returning customer, under any of their accounts, is not a new customer.
WITH applied AS (
    SELECT DISTINCT t.topup_id, t.account_id, t.paid_at, trim(p.promotion_id) AS promotion_id
    FROM int_topups t, unnest(str_split(t.promotion_ids, ';')) AS p(promotion_id)
    WHERE t.succeeded AND trim(p.promotion_id) <> ''
), new_only AS (
    SELECT a.* FROM applied a JOIN int_promotions p USING (promotion_id)
    WHERE p.new_customers_only
), clustered AS (
    SELECT t.topup_id, t.account_id, t.paid_at, coalesce(c.cluster_id, t.account_id) AS cluster_id
    FROM int_topups t LEFT JOIN intermediate.int_identity__clusters c USING (account_id)
    WHERE t.succeeded
), firsts AS (        -- each cluster's first succeeded top-up, by (paid_at, topup_id)
    SELECT cluster_id, arg_min(topup_id, (paid_at, topup_id)) AS first_topup_id, min(paid_at) AS first_paid_at
    FROM clustered GROUP BY cluster_id
), hits AS (
    SELECT n.topup_id, any_value(f.first_topup_id) AS earlier_topup_id,
           list(DISTINCT n.promotion_id) AS promotion_ids
    FROM new_only n
    JOIN clustered me USING (topup_id)
    JOIN firsts f ON f.cluster_id = me.cluster_id
    WHERE f.first_paid_at < n.paid_at
    GROUP BY n.topup_id
), linked AS (
    SELECT h.topup_id, sum(g.amount) AS discount
    FROM hits h JOIN int_grants g ON g.topup_id = h.topup_id AND g.kind = 'discount'
    WHERE g.promotion_id IS NULL OR list_contains(h.promotion_ids, g.promotion_id)
    GROUP BY h.topup_id
)
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.paid_at AS occurred_at,
       coalesce(l.discount, 0) AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'new_customer_promotions', list_sort(h.promotion_ids),
                   'cluster_first_topup_id', e.topup_id, 'cluster_first_topup_account_id', e.account_id,
                   'cluster_first_topup_paid_at', e.paid_at) AS evidence
FROM hits h
JOIN int_topups t USING (topup_id)
JOIN int_topups e ON e.topup_id = h.earlier_topup_id
LEFT JOIN linked l USING (topup_id)
