-- rule_id: PAYER_FAN_OUT
-- severity: risk
-- clause: Zhipu Service Agreement §5.2, §5.3 — a third party may top up only with the rights holder's consent, and the funds must be of legal origin
-- audience: legal
-- settings: rules.payer_fan_out_min_accounts, rules.payer_fan_out_days
-- Flags each succeeded top-up inside a qualifying window: one payer_ref_hash funded at least
-- $payer_fan_out_min_accounts (config, 5) distinct accounts within $payer_fan_out_days (config, 30)
-- days — some half-open window [s, s + 30 × 24 h) holds their top-ups (rules.md §6 "Windows";
-- windows starting at each of the payer's top-ups suffice). amount_at_stake = the top-up amount.
-- Exists because one instrument paying for many accounts is the mark of account farms and of money
-- moved through other people's balances.
WITH t AS (
    SELECT topup_id, account_id, paid_at, amount, payer_ref_hash
    FROM int_topups WHERE succeeded AND nullif(trim(payer_ref_hash), '') IS NOT NULL
), windows AS (
    SELECT s.payer_ref_hash, s.topup_id AS start_topup_id, s.paid_at AS s,
           s.paid_at + to_days($payer_fan_out_days) AS e,
           count(DISTINCT r.account_id) AS accounts
    FROM t s JOIN t r
      ON r.payer_ref_hash = s.payer_ref_hash
     AND r.paid_at >= s.paid_at AND r.paid_at < s.paid_at + to_days($payer_fan_out_days)
    GROUP BY ALL
    HAVING count(DISTINCT r.account_id) >= $payer_fan_out_min_accounts
), flagged AS (
    SELECT r.topup_id, arg_min({'window_start': w.s, 'window_end': w.e,
                                'accounts_in_window': w.accounts}, w.s) AS window
    FROM t r JOIN windows w
      ON w.payer_ref_hash = r.payer_ref_hash AND r.paid_at >= w.s AND r.paid_at < w.e
    GROUP BY r.topup_id
)
SELECT t.account_id,
       'topup' AS subject_type,
       t.topup_id AS subject_id,
       t.paid_at AS occurred_at,
       t.amount AS amount_at_stake,
       json_object('topup_id', t.topup_id, 'paid_at', t.paid_at, 'amount', t.amount,
                   'payer_ref_hash', t.payer_ref_hash, 'first_window', f.window) AS evidence
FROM flagged f JOIN t USING (topup_id)
