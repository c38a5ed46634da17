-- int_grants: staging.grants as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_grants AS
SELECT g.*,
       coalesce(g.expires_at,
                CASE WHEN g.kind = 'trial'
                     THEN g.granted_at + to_days(getvariable('trial_days')) END) AS expires_at_eff,
       biz_date(g.granted_at) AS business_date
FROM staging.grants g
WHERE g.granted_at < getvariable('now');
