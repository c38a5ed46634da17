-- int_claims: staging.claims as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_claims AS
SELECT * FROM staging.claims WHERE filed_at < getvariable('now');
