-- int_refunds: staging.refunds as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_refunds AS
SELECT r.*,
       coalesce(r.decided_at, r.requested_at) AS effective_at,   -- rules.md §6 "Refunds"
       r.status IN ('approved', 'paid')
           AND coalesce(r.decided_at, r.requested_at) < getvariable('now') AS takes_money
FROM staging.refunds r
WHERE r.requested_at < getvariable('now');
