-- int_promotions: staging.promotions as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_promotions AS
SELECT * FROM staging.promotions;
