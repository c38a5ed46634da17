-- rule_id: DISPUTE_OVERDUE
-- severity: violation
-- clause: Zhipu Service Agreement §5.2 — within 30 days from the lock the user should prove that the rights holder agreed to the top-up; otherwise the amount is refunded to the rights holder
-- audience: legal
-- settings: rules.dispute_days
-- Flags each `lock` for reason third_party_topup_dispute not resolved within $dispute_days (config,
-- 30) days: before at + 30 × 24 h there came no evidence_received_at, no `unlock` of the account
-- (at or after the lock), and no approved or paid refund of the disputed top-up taking effect. A
-- resolution at or after the deadline does not cure it; a deadline after "now" is not yet due
-- (rules.md §6 "As of"). occurred_at = the deadline. amount_at_stake = the disputed top-up's amount
-- (0 when the lock names none).
-- Reading: An `unlock` resolves the dispute only at or after the lock, a refund only once approved
-- or paid and in effect before the deadline; the violation is dated at the deadline.
-- Exists because money in dispute may not be held indefinitely: it must be proved or given back.
WITH locks AS (
    SELECT a.*, a."at" + to_days($dispute_days) AS deadline
    FROM int_account_actions a
    WHERE a.action = 'lock' AND a.reason = 'third_party_topup_dispute'
)
SELECT l.account_id,
       'action' AS subject_type,
       l.action_id AS subject_id,
       l.deadline AS occurred_at,
       coalesce(t.amount, 0) AS amount_at_stake,
       json_object('action_id', l.action_id, 'locked_at', l."at", 'deadline', l.deadline,
                   'topup_id', l.topup_id, 'topup_amount', t.amount,
                   'evidence_received_at', l.evidence_received_at,
                   'first_unlock_at', (SELECT min(u."at") FROM int_account_actions u
                                       WHERE u.account_id = l.account_id AND u.action = 'unlock'
                                         AND u."at" >= l."at"),
                   'first_refund_effective_at', (SELECT min(r.effective_at) FROM int_refunds r
                                                 WHERE r.topup_id = l.topup_id AND r.takes_money)) AS evidence
FROM locks l
LEFT JOIN int_topups t ON t.topup_id = l.topup_id
WHERE l.deadline <= $now
  AND NOT coalesce(l.evidence_received_at < l.deadline, false)
  AND NOT EXISTS (SELECT 1 FROM int_account_actions u
                  WHERE u.account_id = l.account_id AND u.action = 'unlock'
                    AND u."at" >= l."at" AND u."at" < l.deadline)
  AND NOT EXISTS (SELECT 1 FROM int_refunds r
                  WHERE r.topup_id = l.topup_id AND r.takes_money AND r.effective_at < l.deadline)
