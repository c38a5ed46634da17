-- rule_id: STRUCTURED_TOPUPS
-- severity: risk
-- clause: Zhipu Service Agreement §5.3 — you warrant that the funds used for topping up are of legal origin
-- audience: legal
-- settings: rules.structured_window_hours, rules.structured_min_count, rules.structured_max_single, rules.structured_min_total
-- Flags each succeeded top-up inside a qualifying window of its account: some half-open window [s,
-- s + $structured_window_hours h) (config, 24) holds at least $structured_min_count (config, 5) of
-- the account's top-ups below $structured_max_single (config, 10,000.00), together at least
-- $structured_min_total (config, 20,000.00). Only top-ups below the single limit count (rules.md §6
-- "Windows"). amount_at_stake = the top-up amount.
-- Exists because splitting a large payment into many small ones is how reporting thresholds are
-- dodged.
WITH t AS (
    SELECT topup_id, account_id, paid_at, amount
    FROM int_topups WHERE succeeded AND amount < $structured_max_single
), windows AS (
    SELECT s.account_id, s.paid_at AS s, s.paid_at + to_hours($structured_window_hours) AS e,
           count(*) AS topups, sum(r.amount) AS total
    FROM t s JOIN t r
      ON r.account_id = s.account_id
     AND r.paid_at >= s.paid_at AND r.paid_at < s.paid_at + to_hours($structured_window_hours)
    GROUP BY s.account_id, s.topup_id, s.paid_at
    HAVING count(*) >= $structured_min_count AND sum(r.amount) >= $structured_min_total
), flagged AS (
    SELECT r.topup_id, arg_min({'window_start': w.s, 'window_end': w.e, 'topups': w.topups,
                                'total': w.total}, w.s) AS window
    FROM t r JOIN windows w
      ON w.account_id = r.account_id AND r.paid_at >= w.s AND r.paid_at < w.e
    GROUP BY r.topup_id
)
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.paid_at AS occurred_at,
       t.amount AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'first_window', f.window) AS evidence
FROM flagged f JOIN t USING (topup_id)
