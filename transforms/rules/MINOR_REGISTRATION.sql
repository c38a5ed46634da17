-- rule_id: MINOR_REGISTRATION
-- severity: violation
-- clause: Kimi User Agreement, 用户资格说明 — 无民事行为能力人、限制民事行为能力人不当注册为用户的，其服务协议自始无效 (a registration by a person without full civil capacity is void from the start)
-- audience: legal
-- settings: rules.minor_age, platform.timezone
-- Flags each account whose holder was younger than $minor_age (config, 18) on the business date of
-- the account's first registration. Age: whole calendar years between the latest known birth_date
-- (any version) and that date in the platform zone (rules.md §6 "Account versions"); an account
-- with no birth date is not evaluated. A birthday on the registration date counts: 18 that day is
-- adult. amount_at_stake 0.
-- Reading: A 29 February birthday is reached on 1 March in common years.
-- Exists because a minor's registration is void and every payment made under it may be reclaimed.
WITH acc AS (
    SELECT account_id, first_registered_at, latest_birth_date AS birth_date,
           biz_date(first_registered_at) AS registered_on
    FROM int_accounts
    WHERE is_current AND latest_birth_date IS NOT NULL
), aged AS (
    SELECT *, year(registered_on) - year(birth_date)
              - (strftime(registered_on, '%m%d') < strftime(birth_date, '%m%d'))::INT AS age
    FROM acc
)
SELECT account_id,
       'account' AS subject_type,
       account_id AS subject_id,
       first_registered_at AS occurred_at,
       0::DECIMAL(18, 2) AS amount_at_stake,
       json_object('account_id', account_id, 'registered_at', first_registered_at,
                   'registered_on', registered_on, 'birth_date', birth_date, 'age', age,
                   'minor_age', $minor_age) AS evidence
FROM aged
WHERE age < $minor_age
