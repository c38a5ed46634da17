-- The landing data as the run sees it: every source cut at "now", the end of the business date
-- (rules.md §6 "As of"): records stamped at or after "now" are ignored, a refund decided at or
-- after "now" is still pending, a chargeback or evidence dated after "now" has not happened.
-- Temporary views in the build session (they read getvariable('now')); every rule and the
-- balance engine read these, never staging directly. One view per source, named int_<source>.

CREATE OR REPLACE TEMP VIEW int_accounts AS
SELECT a.*,
       a.updated_at AS valid_from,
       lead(a.updated_at) OVER w AS valid_to,                  -- next version, null: current
       lead(a.updated_at) OVER w IS NULL AS is_current,
       first_value(a.registered_at) OVER w AS first_registered_at,
       min(a.real_name_verified_at) FILTER (WHERE a.real_name_verified_at < getvariable('now'))
           OVER (PARTITION BY a.account_id) AS verified_from,  -- verification counts from the earliest
       last_value(a.birth_date IGNORE NULLS) OVER (
           PARTITION BY a.account_id ORDER BY a.updated_at
           ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS latest_birth_date
FROM staging.accounts a
WHERE a.updated_at < getvariable('now')
WINDOW w AS (PARTITION BY a.account_id ORDER BY a.updated_at);

CREATE OR REPLACE TEMP VIEW int_topups AS
SELECT t.* REPLACE (CASE WHEN t.chargeback_at < getvariable('now') THEN t.chargeback_at END AS chargeback_at),
       t.status = 'succeeded' AS succeeded,
       biz_date(t.paid_at) AS business_date
FROM staging.topups t
WHERE t.paid_at < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_grants AS
SELECT g.*,
       coalesce(g.expires_at,
                CASE WHEN g.kind = 'trial'
                     THEN g.granted_at + to_days(getvariable('trial_days')) END) AS expires_at_eff,
       biz_date(g.granted_at) AS business_date
FROM staging.grants g
WHERE g.granted_at < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_promotions AS
SELECT * FROM staging.promotions;

CREATE OR REPLACE TEMP VIEW int_usage AS
SELECT u.* REPLACE (coalesce(u.unpaid_amount, 0)::DECIMAL(18, 6) AS unpaid_amount),
       biz_date(u.started_at) AS business_date
FROM staging.usage u
WHERE u.started_at < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_prices AS
SELECT p.*, lead(p.effective_from) OVER (PARTITION BY p.model ORDER BY p.effective_from) AS effective_to
FROM staging.prices p;

CREATE OR REPLACE TEMP VIEW int_invoices AS
SELECT i.*, i.status = 'issued' AS counts, biz_date(i.issued_at) AS business_date
FROM staging.invoices i
WHERE i.issued_at < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_refunds AS
SELECT r.*,
       coalesce(r.decided_at, r.requested_at) AS effective_at,   -- rules.md §6 "Refunds"
       r.status IN ('approved', 'paid')
           AND coalesce(r.decided_at, r.requested_at) < getvariable('now') AS takes_money
FROM staging.refunds r
WHERE r.requested_at < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_account_actions AS
SELECT a.* REPLACE (CASE WHEN a.evidence_received_at < getvariable('now')
                         THEN a.evidence_received_at END AS evidence_received_at)
FROM staging.account_actions a
WHERE a."at" < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_adjustments AS
SELECT * FROM staging.adjustments WHERE "at" < getvariable('now');

CREATE OR REPLACE TEMP VIEW int_claims AS
SELECT * FROM staging.claims WHERE filed_at < getvariable('now');
