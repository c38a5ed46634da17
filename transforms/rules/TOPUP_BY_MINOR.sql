-- rule_id: TOPUP_BY_MINOR
-- severity: violation
-- clause: Zhipu Service Agreement §3.1 — when you top up, you should have full civil capacity
-- audience: legal
-- settings: rules.minor_age, platform.timezone
-- Flags each succeeded top-up paid while the account holder was younger than $minor_age (config,
-- 18): whole calendar years between the account's latest known birth_date and the business date of
-- paid_at (platform zone). No birth date: not evaluated. amount_at_stake = the top-up amount.
-- Reading: A 29 February birthday is reached on 1 March in common years.
-- Exists because money paid in by a minor may have to be given back in full.
WITH acc AS (
    SELECT account_id, latest_birth_date AS birth_date
    FROM int_accounts WHERE is_current AND latest_birth_date IS NOT NULL
), aged AS (
    SELECT t.*, a.birth_date,
           year(t.business_date) - year(a.birth_date)
           - (strftime(t.business_date, '%m%d') < strftime(a.birth_date, '%m%d'))::INT AS age
    FROM int_topups t JOIN acc a USING (account_id)
    WHERE t.succeeded
)
SELECT account_id,
       'topup' AS subject_type,
       topup_id AS subject_id,
       paid_at AS occurred_at,
       amount AS amount_at_stake,
       json_object('topup_id', topup_id, 'paid_at', paid_at, 'paid_on', business_date,
                   'amount', amount, 'birth_date', birth_date, 'age', age,
                   'minor_age', $minor_age) AS evidence
FROM aged
WHERE age < $minor_age
