"""What the finance pack shows: SQL on the published marts, nothing about how it looks.

Every figure is summed in DuckDB as exact DECIMAL; Python only receives the few rows a
message shows and the sheets (each cut at `[reports] max_sheet_rows`, the whole table going
to CSV beside the packs; reports/build.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from reports.db import frame

TREND_DAYS = 30


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: Decimal | int
    previous: Decimal | int | None
    kind: str  # "money" or "count"
    note: str = ""

    @property
    def change(self) -> Decimal | int | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def tone(self) -> str:
        """good / bad / neutral: how a reader should take tonight's change."""
        ch = self.change
        if not ch or self.key not in HIGHER_IS_BETTER | HIGHER_IS_WORSE:
            return "neutral"
        return "good" if (ch > 0) == (self.key in HIGHER_IS_BETTER) else "bad"


HIGHER_IS_BETTER = frozenset({"cash_topped_up"})
HIGHER_IS_WORSE = frozenset({"over_invoiced", "uncovered", "funding_breaks",
                             "funding_break_difference", "finance_violations"})


@dataclass
class Sheet:
    """One XLSX sheet: the query (ordered most important first), its money columns."""

    title: str
    sql: str
    money: tuple[str, ...]
    params: dict = field(default_factory=dict)
    description: str = ""


@dataclass
class FinanceData:
    business_date: dt.date
    headlines: list[Headline]
    trend: pl.DataFrame
    top_breaks: pl.DataFrame
    top_refundable: pl.DataFrame
    sheets: list[Sheet]


# Flows are the day's change of a cumulative figure; stocks are as at the end of the day.
DAILY = """
WITH cal AS (
    SELECT unnest(generate_series($start::DATE, $d::DATE, INTERVAL 1 DAY))::DATE AS business_date
),
sums AS (
    SELECT business_date,
           sum(cash_credited) AS cash_credited, sum(cash_consumed) AS cash_consumed,
           sum(trial_consumed) AS trial_consumed, sum(discount_consumed) AS discount_consumed,
           sum(unconsumed_cash) AS deferred_revenue, sum(refundable_now) AS refundable,
           sum(invoiceable_now) AS invoiceable, sum(over_invoiced) AS over_invoiced,
           sum(uncovered) AS uncovered_total
    FROM marts.account_balances
    WHERE business_date BETWEEN $start AND $d
    GROUP BY business_date
),
filled AS (
    SELECT c.business_date, s.* EXCLUDE (business_date)
    FROM cal c LEFT JOIN sums s USING (business_date)
)
SELECT business_date,
       coalesce(cash_credited - lag(cash_credited) OVER w, 0) AS cash_topped_up,
       coalesce(cash_consumed - lag(cash_consumed) OVER w, 0) AS used_cash,
       coalesce(trial_consumed - lag(trial_consumed) OVER w, 0) AS used_trial,
       coalesce(discount_consumed - lag(discount_consumed) OVER w, 0) AS used_discount,
       coalesce(uncovered_total - lag(uncovered_total) OVER w, 0) AS uncovered,
       coalesce(deferred_revenue, 0) AS deferred_revenue,
       coalesce(refundable, 0) AS refundable,
       coalesce(invoiceable, 0) AS invoiceable,
       coalesce(over_invoiced, 0) AS over_invoiced
FROM filled
WINDOW w AS (ORDER BY business_date)
ORDER BY business_date
"""

# the difference between the platform's and the recomputed funding, all parts
BREAK_DIFF = ("(abs(platform_cash - recomputed_cash) + abs(platform_trial - recomputed_trial)"
              " + abs(platform_discount - recomputed_discount)"
              " + abs(platform_unpaid - recomputed_uncovered))")

BREAKS_ON = f"""
SELECT business_date, count(*) AS breaks, coalesce(sum({BREAK_DIFF}), 0) AS difference
FROM marts.funding_breaks WHERE business_date IN ($d, $d - 1) GROUP BY business_date
"""

FINANCE_OPEN = """
SELECT night, count(*) AS n, coalesce(sum(amount_at_stake), 0) AS amount
FROM marts.violation_history
WHERE audience = 'finance'
  AND night IN ($d, (SELECT max(night) FROM marts.violation_history WHERE night < $d))
GROUP BY night
"""

HEADLINES = (
    ("cash_topped_up", "Cash topped up", "money", "that day"),
    ("used_cash", "Usage paid from cash", "money", "that day"),
    ("used_trial", "Usage paid from trial funds", "money", "that day"),
    ("used_discount", "Usage paid from discounts", "money", "that day"),
    ("deferred_revenue", "Deferred revenue (unconsumed cash)", "money", "at end of day"),
    ("refundable", "Refundable now", "money", "at end of day"),
    ("invoiceable", "Invoiceable now", "money", "at end of day"),
    ("over_invoiced", "Over-invoiced", "money", "at end of day"),
    ("uncovered", "Usage no funds covered", "money", "that day"),
)

SHEETS_SQL = {
    "breaks": f"""
        SELECT business_date AS "business date", account_id AS account,
               usage_amount AS "usage", platform_cash AS "platform cash",
               recomputed_cash AS "recomputed cash", platform_trial AS "platform trial",
               recomputed_trial AS "recomputed trial", platform_discount AS "platform discount",
               recomputed_discount AS "recomputed discount", platform_unpaid AS "platform unpaid",
               recomputed_uncovered AS "recomputed uncovered", {BREAK_DIFF} AS difference
        FROM marts.funding_breaks WHERE business_date <= $d
        ORDER BY business_date DESC, difference DESC, account_id""",
    "positions": """
        SELECT topup_id AS "top-up", account_id AS account, paid_at AS "paid at (UTC)",
               amount, cash_consumed AS "cash consumed", discount_used AS "discount used",
               refunded, refundable_now AS "refundable now", cash_left AS "cash left"
        FROM marts.topup_positions
        ORDER BY refundable_now DESC, topup_id""",
    "violations": """
        SELECT rule_id AS rule, severity, account_id AS account, subject_type AS "subject type",
               subject_id AS subject, occurred_at AS "occurred (UTC)",
               amount_at_stake AS "amount at stake", first_detected_on AS "first detected",
               clause, evidence
        FROM marts.violations WHERE audience = 'finance'
        ORDER BY amount_at_stake DESC, rule_id, subject_id""",
    "attention": """
        WITH flagged AS (
            SELECT DISTINCT account_id FROM marts.violations
            WHERE audience = 'finance' AND account_id IS NOT NULL
            UNION SELECT DISTINCT account_id FROM marts.funding_breaks WHERE business_date = $d
        )
        SELECT b.account_id AS account,
               concat_ws(', ',
                   CASE WHEN b.uncovered > 0 THEN 'usage no funds covered' END,
                   CASE WHEN b.over_invoiced > 0 THEN 'invoiced before consumed' END,
                   CASE WHEN b.unconsumed_cash < 0 THEN 'refunded more than unconsumed' END,
                   CASE WHEN f.account_id IS NOT NULL THEN 'finance violation or break' END
               ) AS "why",
               b.cash_credited AS "cash credited", b.cash_consumed AS "cash consumed",
               b.cash_refunded AS "cash refunded", b.unconsumed_cash AS "unconsumed cash",
               b.invoiced, b.over_invoiced AS "over-invoiced", b.refundable_now AS "refundable now",
               b.invoiceable_now AS "invoiceable now", b.uncovered,
               b.trial_balance AS "trial balance", b.discount_balance AS "discount balance"
        FROM marts.account_balances b LEFT JOIN flagged f USING (account_id)
        WHERE b.business_date = $d
          AND (b.uncovered > 0 OR b.over_invoiced > 0 OR b.unconsumed_cash < 0
               OR f.account_id IS NOT NULL)
        ORDER BY b.uncovered + b.over_invoiced + greatest(0, -b.unconsumed_cash) DESC, account""",
}


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> dict:
    rel = con.execute(sql, params)
    cols = [c[0] for c in rel.description]
    return {r[0]: dict(zip(cols, r)) for r in rel.fetchall()}


def query(con: duckdb.DuckDBPyConnection, day: dt.date, top: int = 10) -> FinanceData:
    """The finance pack's content for business date `day`, from a read-only connection."""
    start = day - dt.timedelta(days=TREND_DAYS)  # one day before the window: flows need it
    daily = frame(con, DAILY, {"start": start, "d": day})
    rows = {r["business_date"]: r for r in daily.iter_rows(named=True)}  # 31 rows
    today, yesterday = rows.get(day, {}), rows.get(day - dt.timedelta(days=1))
    headlines = [
        Headline(key, label, today.get(key, Decimal(0)),
                 yesterday.get(key) if yesterday else None, kind, note)
        for key, label, kind, note in HEADLINES
    ]
    breaks = _one(con, BREAKS_ON, {"d": day})
    b_now, b_prev = breaks.get(day), breaks.get(day - dt.timedelta(days=1))
    headlines.append(Headline("funding_breaks", "Funding breaks (accounts)",
                              b_now["breaks"] if b_now else 0, b_prev["breaks"] if b_prev else 0,
                              "count", "dated that day"))
    headlines.append(Headline("funding_break_difference", "Funding breaks: amount off",
                              b_now["difference"] if b_now else Decimal(0),
                              b_prev["difference"] if b_prev else Decimal(0), "money",
                              "dated that day"))
    opened = _one(con, FINANCE_OPEN, {"d": day})
    prev_night = max((n for n in opened if n < day), default=None)
    headlines.append(Headline(
        "finance_violations", "Finance-side violations open",
        opened[day]["n"] if day in opened else 0,
        opened[prev_night]["n"] if prev_night else None, "count",
        f"against the run of {prev_night}" if prev_night else "no earlier run"))
    top_breaks = frame(con, 
        f"SELECT * FROM ({SHEETS_SQL['breaks']}) WHERE \"business date\" > $d - {TREND_DAYS} "
        "ORDER BY difference DESC, \"business date\" DESC, account LIMIT $n",
        {"d": day, "n": top})
    top_refundable = frame(con, 
        f"SELECT * FROM ({SHEETS_SQL['positions']}) WHERE \"refundable now\" > 0 LIMIT $n",
        {"n": top})
    sheets = [
        Sheet("Funding breaks", SHEETS_SQL["breaks"],
              ("usage", "platform cash", "recomputed cash", "platform trial", "recomputed trial",
               "platform discount", "recomputed discount", "platform unpaid",
               "recomputed uncovered", "difference"), {"d": day},
              "every day an account's funding by the platform differs from the recomputed one"),
        Sheet("Top-up positions", SHEETS_SQL["positions"],
              ("amount", "cash consumed", "discount used", "refunded", "refundable now",
               "cash left"), {}, "every succeeded top-up, largest refundable first"),
        Sheet("Finance violations", SHEETS_SQL["violations"], ("amount at stake",), {},
              "violations finance acts on, largest first"),
        Sheet("Balances needing attention", SHEETS_SQL["attention"],
              ("cash credited", "cash consumed", "cash refunded", "unconsumed cash", "invoiced",
               "over-invoiced", "refundable now", "invoiceable now", "uncovered",
               "trial balance", "discount balance"), {"d": day},
              "accounts with uncovered usage, over-invoicing, negative unconsumed cash, "
              "a funding break that day or a finance violation"),
    ]
    return FinanceData(day, headlines, daily.filter(pl.col("business_date") > start),
                       top_breaks, top_refundable, sheets)
