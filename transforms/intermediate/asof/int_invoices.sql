-- int_invoices: staging.invoices as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_invoices AS
SELECT i.*, i.status = 'issued' AS counts, biz_date(i.issued_at) AS business_date
FROM staging.invoices i
WHERE i.issued_at < getvariable('now');
