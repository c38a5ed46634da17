"""marts.violations: one row per (rule_id, subject_id), from every rule in transforms/rules/.

violation_id is a hash of the rule, the subject, the amount and the evidence, so it stays the
same on every later run until the data behind the finding changes. first_detected_on is kept
per (rule_id, subject_id) from the previously published warehouse — the date that subject was
first flagged by that rule, even if its evidence has changed since; last_seen_on is the run's
business date. A finding that no longer holds is no longer listed.

A rule by day (its header's `days:`, transforms/rules/__init__.py) is recomputed only from the
first business date tonight's new files touch (transforms/changes.py); its published findings of
earlier dates are carried as they are.
"""

from __future__ import annotations

import logging

import duckdb

from core.db import AuditContext
from transforms.changes import Changes
from transforms.rules import discover, run_rule
from transforms.schema import ddl, table

log = logging.getLogger(__name__)

# the table as its schema.yaml describes it: types, NOT NULL, primary key (rule_id, subject_id)
DDL = ddl(table("marts.violations"))


def build_violations(con: duckdb.DuckDBPyConnection, ctx: AuditContext,
                     previous: str | None = None, rules=None, changes: Changes | None = None) -> None:
    """Run every rule and write marts.violations. `previous` names a readable table holding the
    last published violations (e.g. `prev.marts.violations`), or None on a first run;
    `changes` what may be carried from the published warehouse (None: nothing)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _all_hits (rule_id VARCHAR, severity VARCHAR, audience VARCHAR,"
        " clause VARCHAR, account_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR,"
        " occurred_at TIMESTAMPTZ, amount_at_stake DECIMAL(38, 2), evidence VARCHAR)"
    )
    for rule in rules if rules is not None else discover():
        named = {"rule_id": rule.rule_id, "severity": rule.severity, "audience": rule.audience,
                 "clause": rule.clause}
        first = changes.from_date(dict(rule.days)) if rule.days and changes else None
        if first is not None:
            # a rule by day: the published findings of earlier dates stand (their records and
            # the code are unchanged, transforms/changes.py); only later dates are recomputed
            con.execute("SET VARIABLE recompute_from = timezone(getvariable('tz'), $d::TIMESTAMP)",
                        {"d": first})
            kept = con.execute(
                f"""INSERT INTO _all_hits
                    SELECT $rule_id, $severity, $audience, $clause, account_id, subject_type,
                           subject_id, occurred_at, amount_at_stake, evidence
                    FROM {changes.previous}.marts.violations
                    WHERE rule_id = $rule_id AND biz_date(occurred_at) < $d""",
                {**named, "d": first}).fetchone()[0]
            log.info("%s: recomputed from %s, %d findings of earlier dates carried",
                     rule.rule_id, first, kept)
        try:
            hits = run_rule(con, rule, ctx)
        finally:
            con.execute("SET VARIABLE recompute_from = '-infinity'::TIMESTAMPTZ")
        con.execute(
            f"INSERT INTO _all_hits SELECT $rule_id, $severity, $audience, $clause, * FROM {hits.alias}",
            named,
        )
    prev = previous or "(SELECT NULL::VARCHAR AS rule_id, NULL::VARCHAR AS subject_id, NULL::DATE AS first_detected_on WHERE false)"
    con.execute(DDL)
    con.execute(
        f"""INSERT INTO marts.violations
            SELECT md5(concat_ws('|', h.rule_id, h.subject_id, h.amount_at_stake::VARCHAR, h.evidence)),
                   h.rule_id, h.severity, h.audience, h.clause, h.account_id, h.subject_type,
                   h.subject_id, h.occurred_at, h.amount_at_stake, h.evidence,
                   least(coalesce(p.first_detected_on, $d), $d), $d
            FROM _all_hits h
            LEFT JOIN {prev} p ON p.rule_id = h.rule_id AND p.subject_id = h.subject_id
            ORDER BY h.rule_id, h.subject_id""",
        {"d": ctx.business_date},
    )
