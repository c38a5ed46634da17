-- rule_id: PROMOTION_STACKED
-- severity: violation
-- clause: Zhipu Service Agreement, preamble — unless otherwise expressly stated in writing, Promotional Measures cannot be applied simultaneously
-- audience: legal
-- settings: none
-- Flags each succeeded top-up whose promotion_ids (';'-separated, blanks and repeats ignored) name
-- at least 2 promotions of which at least one is not stackable. amount_at_stake = Σ discount grants
-- linked to the top-up (topup_id).
-- Reading: A promotion id missing from the promotions reference counts as not stackable (stacking
-- must be allowed expressly, in writing).
-- Exists because every discount granted beyond a single promotion was given away against the terms.
WITH applied AS (
    SELECT DISTINCT t.topup_id, trim(p.promotion_id) AS promotion_id
    FROM int_topups t, unnest(str_split(t.promotion_ids, ';')) AS p(promotion_id)
    WHERE t.succeeded AND trim(p.promotion_id) <> ''
), judged AS (
    SELECT a.topup_id,
           count(*) AS promotions,
           count(*) FILTER (WHERE NOT coalesce(p.stackable, false)) AS not_stackable,
           list({'promotion_id': a.promotion_id, 'stackable': p.stackable} ORDER BY a.promotion_id) AS detail
    FROM applied a LEFT JOIN int_promotions p USING (promotion_id)
    GROUP BY a.topup_id
), discounts AS (
    SELECT topup_id, sum(amount) AS discount, list(grant_id ORDER BY grant_id) AS grant_ids
    FROM int_grants WHERE kind = 'discount' AND topup_id IS NOT NULL
    GROUP BY topup_id
)
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.paid_at AS occurred_at,
       coalesce(d.discount, 0) AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'promotions', j.detail, 'discount_grant_ids', d.grant_ids,
                   'discount_granted', coalesce(d.discount, 0)) AS evidence
FROM judged j
JOIN int_topups t USING (topup_id)
LEFT JOIN discounts d USING (topup_id)
WHERE j.promotions >= 2 AND j.not_stackable >= 1
