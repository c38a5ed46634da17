-- marts.account_balances: intermediate.int_balance__positions repeated over the calendar, one
-- row per account and business date (a filter on business_date reaches the calendar, so
-- reading one date is cheap).
CREATE OR REPLACE VIEW marts.account_balances AS
SELECT p.account_id, c.business_date,
       p.* EXCLUDE (account_id, business_date, next_date)
FROM intermediate.int_balance__positions p
JOIN intermediate.int_balance__calendar c
  ON c.business_date >= p.business_date AND c.business_date < p.next_date;
