-- int_account_actions: staging.account_actions as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_account_actions AS
SELECT a.* REPLACE (CASE WHEN a.evidence_received_at < getvariable('now')
                         THEN a.evidence_received_at END AS evidence_received_at)
FROM staging.account_actions a
WHERE a."at" < getvariable('now');
