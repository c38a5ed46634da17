"""What the legal pack shows: SQL on the published marts, nothing about how it looks.

"New", "still open" and "no longer seen" compare the run's night with the previous night in
marts.violation_history (the last night before it that the history holds), so re-running a
date gives the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from reports.db import frame
from reports.finance import Sheet

PREVIOUS_NIGHT = "(SELECT max(night) FROM marts.violation_history WHERE night < $d)"

# one row per finding tonight or on the previous night, with its status
STATUS = f"""
WITH tonight AS (SELECT * FROM marts.violation_history WHERE night = $d),
before AS (SELECT * FROM marts.violation_history WHERE night = {PREVIOUS_NIGHT})
SELECT coalesce(t.rule_id, b.rule_id) AS rule_id, coalesce(t.subject_id, b.subject_id) AS subject_id,
       CASE WHEN b.rule_id IS NULL THEN 'new' WHEN t.rule_id IS NULL THEN 'no longer seen'
            ELSE 'still open' END AS status,
       coalesce(t.amount_at_stake, b.amount_at_stake) AS amount_at_stake,
       coalesce(t.account_id, b.account_id) AS account_id,
       coalesce(t.subject_type, b.subject_type) AS subject_type,
       coalesce(t.occurred_at, b.occurred_at) AS occurred_at,
       coalesce(t.first_detected_on, b.first_detected_on) AS first_detected_on,
       coalesce(t.severity, b.severity) AS severity,
       b.night AS previous_night
FROM tonight t FULL JOIN before b USING (rule_id, subject_id)
"""

BY_RULE = f"""
WITH s AS ({STATUS}),
clauses AS (SELECT rule_id, any_value(clause) AS clause FROM marts.violations GROUP BY rule_id)
SELECT s.rule_id, any_value(s.severity) AS severity, any_value(c.clause) AS clause,
       count(*) FILTER (status = 'new') AS new_n,
       coalesce(sum(amount_at_stake) FILTER (status = 'new'), 0) AS new_amount,
       count(*) FILTER (status = 'still open') AS open_n,
       coalesce(sum(amount_at_stake) FILTER (status = 'still open'), 0) AS open_amount,
       count(*) FILTER (status = 'no longer seen') AS gone_n,
       coalesce(sum(amount_at_stake) FILTER (status = 'no longer seen'), 0) AS gone_amount
FROM s LEFT JOIN clauses c USING (rule_id)
GROUP BY s.rule_id ORDER BY s.rule_id
"""

# the account holder's latest name as of the run (masked by reports/safety.py before use)
HOLDERS = """
SELECT account_id,
       arg_max(CASE WHEN account_type = 'enterprise' THEN coalesce(enterprise_name, real_name)
                    ELSE real_name END, updated_at) AS holder_name
FROM staging.accounts WHERE updated_at < getvariable('now') GROUP BY account_id
"""

VIOLATIONS = f"""
WITH s AS ({STATUS}), h AS ({HOLDERS})
SELECT v.rule_id, v.severity, v.clause, s.status, v.account_id, h.holder_name,
       v.subject_type, v.subject_id, v.occurred_at, v.amount_at_stake, v.first_detected_on,
       v.evidence,
       row_number() OVER (PARTITION BY v.rule_id ORDER BY v.amount_at_stake DESC, v.subject_id)
           AS nth_in_rule
FROM marts.violations v
LEFT JOIN s ON s.rule_id = v.rule_id AND s.subject_id = v.subject_id
LEFT JOIN h ON h.account_id = v.account_id
ORDER BY v.rule_id, nth_in_rule
"""

GONE = f"""
WITH s AS ({STATUS})
SELECT rule_id, account_id, subject_type, subject_id, occurred_at, amount_at_stake,
       first_detected_on, previous_night AS last_seen_on
FROM s WHERE status = 'no longer seen' ORDER BY rule_id, amount_at_stake DESC, subject_id
"""

CAPS = """
SELECT claim_id AS claim, account_id AS account, model, filed_at AS "filed (UTC)", cause,
       damage_type AS damage, claimed_amount AS claimed, cap_basis AS basis, cap,
       paid_before AS "paid before", eligible, payable, paid_amount AS "paid",
       CASE WHEN payable = 0 THEN coalesce(reason, 'nothing eligible')
            WHEN payable < claimed_amount THEN coalesce(reason, 'cap reached')
            ELSE coalesce(reason, '') END AS reason
FROM marts.liability_caps ORDER BY filed_at, claim_id
"""

CLUSTERS = f"""
WITH h AS ({HOLDERS})
SELECT c.cluster_id AS cluster, c.cluster_size AS size, c.account_id AS account,
       h.holder_name, c.links
FROM marts.identity_clusters c LEFT JOIN h USING (account_id)
WHERE c.cluster_size > 1
ORDER BY c.cluster_size DESC, c.cluster_id, c.account_id
"""

SUSPICIOUS_TOPUPS = """
SELECT v.subject_id AS "top-up", any_value(v.account_id) AS account,
       any_value(p.paid_at) AS "paid at (UTC)",
       coalesce(any_value(p.amount), max(v.amount_at_stake)) AS amount,
       string_agg(DISTINCT v.rule_id, ', ' ORDER BY v.rule_id) AS "flagged by",
       min(v.first_detected_on) AS "first detected"
FROM marts.violations v LEFT JOIN marts.topup_positions p ON p.topup_id = v.subject_id
WHERE v.subject_type = 'topup'
GROUP BY v.subject_id ORDER BY amount DESC, "top-up"
"""


@dataclass
class LegalData:
    business_date: dt.date
    previous_night: dt.date | None
    by_rule: pl.DataFrame
    violations: pl.DataFrame  # every violation (rendering lays out the first N per rule)
    gone: pl.DataFrame
    caps: pl.DataFrame
    clusters: pl.DataFrame
    suspicious_topups: pl.DataFrame
    sheets: list[Sheet]


def query(con: duckdb.DuckDBPyConnection, day: dt.date, pdf_max_per_rule: int = 100) -> LegalData:
    """The legal pack's content for business date `day`, from a read-only connection.
    `violations` holds the first `pdf_max_per_rule` of each rule by amount (the PDF's share);
    the XLSX sheet reads them all (`sheets`)."""
    p = {"d": day}
    prev = con.execute(f"SELECT {PREVIOUS_NIGHT}", p).fetchall()[0][0]
    return LegalData(
        business_date=day,
        previous_night=prev,
        by_rule=frame(con, BY_RULE, p),
        violations=frame(con, f"SELECT * FROM ({VIOLATIONS}) WHERE nth_in_rule <= $n",
                               {**p, "n": pdf_max_per_rule}),
        gone=frame(con, GONE, p),
        caps=frame(con, CAPS),
        clusters=frame(con, CLUSTERS),
        suspicious_topups=frame(con, SUSPICIOUS_TOPUPS),
        sheets=[
            Sheet("Violations", f"""SELECT rule_id AS rule, severity, status, account_id AS account,
                      holder_name AS holder, subject_type AS "subject type", subject_id AS subject,
                      occurred_at AS "occurred (UTC)", amount_at_stake AS "amount at stake",
                      first_detected_on AS "first detected", clause, evidence
                  FROM ({VIOLATIONS})""", ("amount at stake",), p,
                  "every violation open tonight, by rule, largest first"),
            Sheet("No longer seen", f"""SELECT rule_id AS rule, account_id AS account,
                      subject_type AS "subject type", subject_id AS subject,
                      occurred_at AS "occurred (UTC)", amount_at_stake AS "amount at stake",
                      first_detected_on AS "first detected", last_seen_on AS "last seen"
                  FROM ({GONE})""", ("amount at stake",), p,
                  "findings of the previous run that tonight's run no longer makes"),
            Sheet("Liability caps", CAPS, ("claimed", "cap", "paid before", "eligible", "payable",
                                           "paid"), {}, "every claim, its cap and what is payable"),
            Sheet("Identity clusters", f"""SELECT cluster, size, account, holder_name AS holder,
                      links AS "linked by" FROM ({CLUSTERS})""", (), {},
                  "accounts linked to others, with the signals that link them"),
            Sheet("Suspicious top-ups", SUSPICIOUS_TOPUPS, ("amount",), {},
                  "top-ups a rule flags, largest first"),
        ],
    )
