-- Exact-money helpers, created on every connection (core/db.py).
-- DuckDB's round() is half away from zero and DECIMAL / DECIMAL is DOUBLE: never use either
-- on money. These round half-even (banker's rounding, rules.md §5) by integer arithmetic.
-- x * f::DECIMAL(38, 0) widens to DECIMAL(38, scale of x) before multiplying, keeping every
-- decimal: DECIMAL(18, 2) * 100 would overflow from 10^16 / 100 up.
-- x in whole units of 1/f (f = 100: fen; 1,000,000: micro-yuan), rounded half-even.
CREATE OR REPLACE TEMP MACRO round_half_even_units(x, f) AS (
    floor(x * f::DECIMAL(38, 0))
    + CASE WHEN x * f::DECIMAL(38, 0) - floor(x * f::DECIMAL(38, 0)) > 0.5 THEN 1
           WHEN x * f::DECIMAL(38, 0) - floor(x * f::DECIMAL(38, 0)) = 0.5
                AND floor(x * f::DECIMAL(38, 0)) % 2 <> 0 THEN 1
           ELSE 0 END
)::DECIMAL(38, 0);
CREATE OR REPLACE TEMP MACRO round_half_even_2(x) AS
    (round_half_even_units(x, 100) * 0.01)::DECIMAL(38, 2);
CREATE OR REPLACE TEMP MACRO round_half_even_6(x) AS
    (round_half_even_units(x, 1000000) * 0.000001)::DECIMAL(38, 6);
-- money <-> integer micro-yuan (the balance engine computes in integers). HUGEINT and
-- DECIMAL(38, 6) throughout: one payment may be 9,999,999,999,999,999.99 (the contract's
-- DECIMAL(18, 2)), 10^22 micro-yuan, past BIGINT's 9.2e18, and sums of them more (issue 9).
-- Money the audit sums or derives is DECIMAL(38, 6) (to the fen: DECIMAL(38, 2)).
CREATE OR REPLACE TEMP MACRO to_micro(x) AS (x::DECIMAL(38, 6) * 1000000)::HUGEINT;
CREATE OR REPLACE TEMP MACRO from_micro(n) AS (n::DECIMAL(38, 0) * 0.000001)::DECIMAL(38, 6);
-- an integer amount of 1e-9 yuan rounded half-even to micro-yuan (BIGINT or HUGEINT alike)
CREATE OR REPLACE TEMP MACRO round_nano(n) AS
    n // 1000 + CASE WHEN n % 1000 > 500 OR (n % 1000 = 500 AND (n // 1000) % 2 = 1) THEN 1 ELSE 0 END;
-- the business date of an instant, in the platform time zone
CREATE OR REPLACE TEMP MACRO biz_date(ts) AS (ts AT TIME ZONE getvariable('tz'))::DATE;
-- The balance model's derived figures, rules.md §1, defined once for the checkpoints and the marts
CREATE OR REPLACE TEMP MACRO over_invoiced(invoiced, cash_consumed) AS
    greatest(invoiced - cash_consumed, 0);
CREATE OR REPLACE TEMP MACRO account_refundable(unconsumed_cash, over_invoiced) AS
    greatest(unconsumed_cash - over_invoiced, 0);               -- §8.4: invoiced is not refundable
CREATE OR REPLACE TEMP MACRO topup_refundable(amount, cash_consumed, refunded, discount_used) AS
    greatest(amount - cash_consumed - refunded - discount_used, 0);   -- §8.1–8.3
