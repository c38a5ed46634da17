-- rule_id: CONTENT_VIOLATIONS_REPEATED
-- severity: risk
-- clause: Kimi User Agreement, 您的权利和义务 (3) — 您不得向 Kimi 智能助手输出或诱导 Kimi 智能助手向您输出包含以下内容的言论 (you must not input prohibited content or induce the service to output it)
-- audience: legal
-- settings: rules.content_violations_min, rules.content_violations_days
-- Flags each account with at least $content_violations_min (config, 3) usage rows carrying a
-- moderation_label within $content_violations_days (config, 7) days: some half-open window [s, s +
-- 7 × 24 h) holds them (rules.md §6 "Windows"; trying each labelled row's started_at as s
-- suffices). occurred_at: the earliest instant the count was reached. amount_at_stake 0. Evidence
-- lists every labelled request inside a qualifying window.
-- Exists because repeated prohibited content calls for blocking and a report to the authorities.
-- Implementation: the labelled calls are kept in intermediate.int_usage__labelled
-- (transforms/intermediate/usage_extracts.py), which carries the published days'
-- rows.
WITH labelled AS (
    SELECT account_id, request_id, started_at, moderation_label,
           lead(started_at, $content_violations_min - 1) OVER (
               PARTITION BY account_id ORDER BY started_at, request_id) AS nth_at
    FROM intermediate.int_usage__labelled   -- the calls with a (non-blank) label
), windows AS (        -- qualifying windows [s, e): the min-th labelled row from s falls inside
    SELECT account_id, started_at AS s, started_at + to_days($content_violations_days) AS e, nth_at
    FROM labelled
    WHERE nth_at < started_at + to_days($content_violations_days)
), inside AS (
    SELECT DISTINCT l.account_id, l.request_id, l.started_at, l.moderation_label
    FROM labelled l JOIN windows w
      ON w.account_id = l.account_id AND l.started_at >= w.s AND l.started_at < w.e
)
SELECT i.account_id,
       'account' AS subject_type,
       i.account_id AS subject_id,
       (SELECT min(w.nth_at) FROM windows w WHERE w.account_id = i.account_id) AS occurred_at,
       0::DECIMAL(18, 2) AS amount_at_stake,
       json_object('account_id', i.account_id, 'min_count', $content_violations_min,
                   'window_days', $content_violations_days,
                   'requests', list({'request_id': i.request_id, 'started_at': i.started_at,
                                     'moderation_label': i.moderation_label}
                                    ORDER BY i.started_at, i.request_id)) AS evidence
FROM inside i
GROUP BY i.account_id
