"""marts.violation_history: one row per violation and night it was seen.

Built by the night's audit from the previously published history and tonight's
marts.violations, so "new since the previous run", "still open" and "no longer seen" are
queries (reports/legal.py) and analysts can ask when a finding first and last appeared:

    SELECT rule_id, subject_id, min(night) AS first_seen, max(night) AS last_seen
    FROM marts.violation_history GROUP BY ALL

Nights before the run's date are carried over; the run's own night is written afresh, so a
re-run of a date changes nothing. Nights after it are dropped: re-running an older day
republishes the warehouse as of that day (README "Failures, retries, re-runs"), its history too.
A warehouse published before this table existed seeds it with its violations' last night.
"""

from __future__ import annotations

import duckdb

from core.db import AuditContext
from transforms.schema import ddl, table

# the table as its schema.yaml describes it: types, NOT NULL, primary key (night, rule_id, subject_id)
DDL = ddl(table("marts.violation_history"))

COLUMNS = ("night, rule_id, subject_id, violation_id, severity, audience, account_id, "
           "subject_type, occurred_at, amount_at_stake, first_detected_on")


def _has_table(con: duckdb.DuckDBPyConnection, database: str, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = $db AND schema_name = 'marts'"
        " AND table_name = $t", {"db": database, "t": name}).fetchall()[0][0])


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, previous_db: str | None = None) -> None:
    """Write marts.violation_history; `previous_db` is the attached published warehouse
    (e.g. `prev`), or None on a first run. Reads tonight's marts.violations."""
    con.execute(DDL)
    d = {"d": ctx.business_date}
    if previous_db and _has_table(con, previous_db, "violation_history"):
        con.execute(f"INSERT INTO marts.violation_history SELECT {COLUMNS} "
                    f"FROM {previous_db}.marts.violation_history WHERE night < $d", d)
    elif previous_db and _has_table(con, previous_db, "violations"):
        con.execute(f"INSERT INTO marts.violation_history SELECT last_seen_on AS night, "
                    f"{COLUMNS.split(', ', 1)[1]} FROM {previous_db}.marts.violations "
                    "WHERE last_seen_on < $d", d)
    con.execute(f"INSERT INTO marts.violation_history SELECT $d AS night, "
                f"{COLUMNS.split(', ', 1)[1]} FROM marts.violations", d)
