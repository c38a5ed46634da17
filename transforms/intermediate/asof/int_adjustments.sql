-- int_adjustments: staging.adjustments as of "now" (rules.md §6 "As of"; transforms/build.py). A TEMP view.
CREATE OR REPLACE TEMP VIEW int_adjustments AS
SELECT * FROM staging.adjustments WHERE "at" < getvariable('now');
