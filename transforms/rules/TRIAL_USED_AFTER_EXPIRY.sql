-- rule_id: TRIAL_USED_AFTER_EXPIRY
-- severity: violation
-- clause: Zhipu Service Agreement §2.3 — platform trial funds are limited-time funds, valid for 30 days from issuance unless otherwise agreed when granted
-- audience: finance
-- settings: balance.burn_down, balance.trial_days, platform.timezone
-- Flags each account and business date on which the platform funded a call with trial money
-- (trial_amount > 0) while, just before the call, the recomputed live trial balance was zero and at
-- least one trial grant of the account had already expired (expires_at ≤ started_at).
-- amount_at_stake = Σ trial_amount of those calls.
-- Reading: "Just before the call": the live trial balance at the start of the call's segment (the
-- calls between two balance events of the account), less what the earlier calls of the segment drew
-- from it once the kinds burnt before trial (rules.md §1 burn-down) ran out.
-- Exists because expired trial funds spent as if still valid hide free service as paid.
WITH seg AS (
    -- only segments where the platform spent trial money and the recomputed live trial can
    -- reach zero within the segment can hold a flagged call
    SELECT t.account_id, t.anchor, t.trial_start, t.before_trial_start
    FROM intermediate.int_balance__trial_segments t
    JOIN (SELECT g.account_id, g.anchor, sum(g.amount) AS total, sum(g.platform_trial) AS platform_trial
          FROM int_balance__segments g
          SEMI JOIN intermediate.int_balance__trial_segments t
                 ON t.account_id = g.account_id AND t.anchor = g.anchor
          GROUP BY g.account_id, g.anchor) s
      ON s.account_id = t.account_id AND s.anchor = t.anchor
    WHERE s.platform_trial > 0 AND t.trial_start - greatest(s.total - t.before_trial_start, 0) <= 0
),
days AS (
    SELECT DISTINCT g.account_id, g.business_date
    FROM int_balance__segments g
    SEMI JOIN seg ON seg.account_id = g.account_id AND seg.anchor = g.anchor
),
calls AS (
    SELECT u.account_id, u.request_id, u.started_at, u.business_date, u.amount, u.trial_amount,
           coalesce(a.eord, 0) AS anchor
    FROM (SELECT u.* FROM int_usage u
          SEMI JOIN days d ON d.account_id = u.account_id AND d.business_date = u.business_date) u
    ASOF LEFT JOIN intermediate.int_balance__anchors a
           ON u.account_id = a.account_id AND epoch_us(u.started_at) * 8 + 3 >= a.ekey
),
ordered AS (
    SELECT *, coalesce(sum(amount) OVER (
                  PARTITION BY account_id, anchor ORDER BY started_at, request_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS used_before
    FROM calls
),
hits AS (
    SELECT o.*
    FROM ordered o
    JOIN seg s USING (account_id, anchor)
    WHERE o.trial_amount > 0
      AND s.trial_start - greatest(o.used_before - s.before_trial_start, 0) <= 0
),
expired AS (
    SELECT h.account_id, h.business_date,
           list(DISTINCT g.grant_id ORDER BY g.grant_id) AS grants
    FROM (SELECT account_id, business_date, min(started_at) AS first_call FROM hits GROUP BY ALL) h
    JOIN int_grants g ON g.account_id = h.account_id AND g.kind = 'trial'
                     AND g.expires_at_eff <= h.first_call
    GROUP BY ALL
)
SELECT h.account_id,
       'account-date' AS subject_type,
       h.account_id || '|' || strftime(h.business_date, '%Y-%m-%d') AS subject_id,
       min(h.started_at) AS occurred_at,
       sum(h.trial_amount) AS amount_at_stake,
       json_object('account_id', h.account_id, 'business_date', h.business_date,
                   'calls', count(*),
                   'request_ids', list(h.request_id ORDER BY h.started_at, h.request_id)[1:50],
                   'first_call_at', min(h.started_at),
                   'trial_amount', sum(h.trial_amount),
                   'expired_trial_grants', any_value(e.grants)) AS evidence
FROM hits h
LEFT JOIN expired e USING (account_id, business_date)
GROUP BY h.account_id, h.business_date
