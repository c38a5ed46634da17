-- intermediate.int_usage__labelled — the calls content moderation labelled (a label that is not
-- blank), for CONTENT_VIOLATIONS_REPEATED. transforms/intermediate/usage_extracts.py first
-- carries the published rows of dates before the first date tonight's new calls touch; this
-- query adds the calls from getvariable('recompute_from') on (-infinity when nothing is
-- carried).
INSERT INTO intermediate.int_usage__labelled
SELECT request_id, account_id, started_at, moderation_label
FROM int_usage
WHERE started_at >= getvariable('recompute_from')
  AND nullif(trim(moderation_label), '') IS NOT NULL;
