-- int_prices: staging.prices as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_prices AS
SELECT p.*, lead(p.effective_from) OVER (PARTITION BY p.model ORDER BY p.effective_from) AS effective_to
FROM staging.prices p;
