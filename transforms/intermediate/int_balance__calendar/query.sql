-- intermediate.int_balance__calendar: every business date from the first position to the run's
-- date (marts.account_balances repeats each position over these).
CREATE OR REPLACE TABLE intermediate.int_balance__calendar AS
SELECT unnest(range(min(business_date)::TIMESTAMP,
                    (getvariable('business_date') + 1)::TIMESTAMP, INTERVAL 1 DAY))::DATE AS business_date
FROM intermediate.int_balance__positions;
