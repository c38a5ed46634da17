-- rule_id: REFUND_DUPLICATE
-- severity: violation
-- clause: Zhipu Service Agreement §8.2 — the top-up amount only supports a one-time refund
-- audience: finance
-- settings: none
-- Flags every approved or paid refund of a top-up after its first, ordered by the time it took
-- effect (decided_at, else requested_at; rules.md §6) then refund_id. amount_at_stake = the later
-- refund's amount.
-- Exists because a second refund of one top-up breaks the one-time rule and risks paying out money
-- that was already returned.
WITH taken AS (
    SELECT r.*,
           row_number() OVER w AS nth,
           first_value(r.refund_id) OVER w AS first_refund_id,
           first_value(r.effective_at) OVER w AS first_effective_at,
           first_value(r.amount) OVER w AS first_amount
    FROM int_refunds r
    WHERE r.takes_money
    WINDOW w AS (PARTITION BY r.topup_id ORDER BY r.effective_at, r.refund_id)
)
SELECT account_id,
       'refund' AS subject_type,
       refund_id AS subject_id,
       effective_at AS occurred_at,
       amount AS amount_at_stake,
       json_object('refund_id', refund_id, 'topup_id', topup_id, 'status', status,
                   'requested_at', requested_at, 'decided_at', decided_at, 'amount', amount,
                   'nth_refund_of_topup', nth,
                   'first_refund', json_object('refund_id', first_refund_id,
                                               'effective_at', first_effective_at,
                                               'amount', first_amount)) AS evidence
FROM taken
WHERE nth >= 2
