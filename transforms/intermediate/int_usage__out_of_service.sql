-- Usage served while its account was out of service (rules.md §6 "Intervals"), one row per usage
-- row and kind, for USAGE_WHILE_SUSPENDED and USAGE_AFTER_TERMINATION:
--   suspended   from a lock or freeze (inclusive) to the next unlock, unfreeze or reinstate
--               (exclusive); overlapping suspensions merge, any resuming action ends them all;
--   terminated  from a close or terminate to the next reinstate (unlock/unfreeze do not end it).
-- Reading: actions of one account at the same instant apply in action_id order (the last one
-- decides the state). A TEMP view over the as-of views, like them. Only the calls from
-- getvariable('recompute_from') on (the start of a business date; -infinity on a full night):
-- both rules are rules by day (transforms/rules/__init__.py), every action still counts.
CREATE OR REPLACE TEMP VIEW int_usage__out_of_service AS
WITH actions AS (
    SELECT account_id, "at", action, action_id,
           unnest(CASE WHEN action IN ('lock', 'freeze', 'unlock', 'unfreeze') THEN ['suspended']
                       WHEN action IN ('close', 'terminate') THEN ['terminated']
                       ELSE ['suspended', 'terminated'] END) AS kind     -- reinstate ends both
    FROM int_account_actions
    WHERE action IN ('lock', 'freeze', 'unlock', 'unfreeze', 'close', 'terminate', 'reinstate')
), changes AS (          -- the state each instant's actions leave, per account and kind
    SELECT account_id, "at", kind,
           arg_max(action IN ('lock', 'freeze', 'close', 'terminate'), action_id) AS out_of_service,
           arg_max(action_id, action_id) AS action_id
    FROM actions
    GROUP BY account_id, "at", kind
), usage AS (            -- only accounts with such actions: usage is large
    SELECT u.account_id, u.business_date, u.request_id, u.started_at, u.amount, k.kind
    FROM int_usage u, (VALUES ('suspended'), ('terminated')) k(kind)
    WHERE u.account_id IN (SELECT account_id FROM changes)
      AND u.started_at >= getvariable('recompute_from')  -- the rules by day: whole dates from it
)
SELECT u.account_id, u.business_date, u.request_id, u.started_at, u.amount, u.kind,
       s.action_id
FROM usage u
ASOF JOIN changes s ON s.account_id = u.account_id AND s.kind = u.kind AND u.started_at >= s."at"
WHERE s.out_of_service;
