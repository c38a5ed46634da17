-- rule_id: RATING_MISMATCH
-- severity: break
-- clause: Zhipu Service Agreement §3.2 — billing must be accurate: what the platform charges for the usage it records must equal that usage at the price in force
-- audience: finance
-- settings: platform.timezone
-- days: usage.started_at, prices.effective_from
-- Flags each account, model and business date whose Σ charged amount differs from the Σ of the
-- calls re-rated at the price in force at started_at: per call input_tokens × input_price_per_1k /
-- 1000 + output_tokens × output_price_per_1k / 1000, the call's total rounded once half-even to 6
-- decimals; no price in force re-rates to 0 (rules.md §6 "Prices").
-- Exists because a charge the price list does not support is a billing error the user may contest.
-- Implementation: computed in integers: tokens × price in micro-yuan per 1k tokens is the charge in
-- 1e-9 yuan, rounded half-even to micro-yuan (exactly the decimal definition, much faster on 10M
-- rows). A call whose tokens and prices are all within ±2·10^9 (2,000 yuan per 1k tokens) is
-- rated in BIGINT, where both products and their sum stay below 8·10^18 < 2^63; any other call in
-- HUGEINT (to_micro), where tokens × the largest DECIMAL(18,6) price cannot overflow. Both give
-- the same integers (// and % truncate alike); BIGINT halves the rule's time on a 10M-call day.
WITH prices AS (  -- micro-yuan per 1k tokens: a DECIMAL(18, 6) times 10^6 fits a BIGINT
    SELECT model, effective_from, effective_to,
           to_micro(input_price_per_1k)::BIGINT AS pi, to_micro(output_price_per_1k)::BIGINT AS po
    FROM int_prices
),
priced AS (
    SELECT u.account_id, u.model, u.business_date, u.started_at, u.amount,
           u.input_tokens AS i, u.output_tokens AS o, p.pi, p.po
    FROM int_usage u
    LEFT JOIN prices p
           ON p.model = u.model AND u.started_at >= p.effective_from
          AND (p.effective_to IS NULL OR u.started_at < p.effective_to)
    WHERE u.started_at >= getvariable('recompute_from')  -- a business date's calls, all or none
),
rated AS (
    SELECT account_id, model, business_date, started_at, amount,
           CASE WHEN abs(i) <= 2000000000 AND abs(o) <= 2000000000
                     AND abs(pi) <= 2000000000 AND abs(po) <= 2000000000
                THEN round_nano(i * pi + o * po)::HUGEINT
                ELSE round_nano(coalesce(i::HUGEINT * pi + o::HUGEINT * po, 0::HUGEINT)) END AS micro
    FROM priced
),
day AS (
    SELECT account_id, model, business_date, min(started_at) AS first_call, count(*) AS calls,
           sum(amount) AS charged, from_micro(sum(micro)) AS rerated
    FROM rated
    GROUP BY account_id, model, business_date
)
SELECT account_id,
       'account-model-date' AS subject_type,
       account_id || '|' || model || '|' || strftime(business_date, '%Y-%m-%d') AS subject_id,
       first_call AS occurred_at,
       abs(charged - rerated) AS amount_at_stake,
       json_object('account_id', account_id, 'model', model, 'business_date', business_date,
                   'calls', calls, 'charged', charged, 'rerated', rerated,
                   'difference', charged - rerated) AS evidence
FROM day
WHERE charged <> rerated
