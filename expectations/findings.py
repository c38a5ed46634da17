"""What a validation found, and how it is said: one line per problem naming the table, the
partition and the expectation (`usage dt=2026-11-03: expect_column_values_to_not_be_null(
request_id) failed on 3 rows (e.g. None)`), and the outcome of every SQL check for Data Docs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from expectations.base import FAIL, WARN, TableSuite, condition_text, label

MAX_PARTITION_LINES = 3  # a problem in more partitions of one batch is reported as one line


@dataclass
class Finding:
    level: str
    where: str
    what: str

    def line(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class SqlOutcome:
    table: str
    check: str
    level: str
    status: str  # passed / failed / skipped
    detail: str = ""


@dataclass
class Results:
    """Everything one run found: the problems (fail or warn) and every SQL check's outcome."""

    findings: list[Finding] = field(default_factory=list)
    sql: list[SqlOutcome] = field(default_factory=list)

    def sql_outcome(self, table: str, check: str, level: str, status: str, detail: str = "") -> None:
        self.sql.append(SqlOutcome(table, check, level, status, detail))

    def fail_sql(self, suite: TableSuite, check: str, detail: str, level: str = FAIL) -> None:
        self.findings.append(Finding(level, where(suite), f"{check} failed: {detail}"))
        self.sql.append(SqlOutcome(suite.table, check, level, "failed", detail))


_COUNTED = re.compile(r"^(?P<what>.*) failed on (?P<n>\d+) rows(?P<eg>.*)$")


def merged(findings: list[Finding]) -> list[Finding]:
    """One finding per level, place and expectation: GX (its sample of the new rows) and the
    SQL sweep (the other rows) may both find the same problem in one partition; their counts
    add up, the first example stays."""
    out: list[Finding] = []
    seen: dict[tuple[str, str, str], int] = {}
    for f in findings:
        m = _COUNTED.match(f.what)
        key = (f.level, f.where, m["what"]) if m else None
        if key is None or key not in seen:
            if key is not None:
                seen[key] = len(out)
            out.append(f)
            continue
        first = out[seen[key]]
        fm = _COUNTED.match(first.what)
        total = int(fm["n"]) + int(m["n"])
        out[seen[key]] = Finding(f.level, f.where, f"{fm['what']} failed on {total} rows{fm['eg']}")
    return out


def level_of(expectation_or_config) -> str:
    """Our level of a GX expectation (or its configuration): critical is fail, else warn."""
    sev = expectation_or_config.severity
    return FAIL if str(getattr(sev, "value", sev)) == "critical" else WARN


def where(suite: TableSuite, values: list | None = None, p: str | None = None) -> str:
    """`usage dt=2026-11-03` for a source partition, `marts.violations` for a mart."""
    head = suite.name if suite.schema == "staging" else suite.table
    if values and p:
        return f"{head} {label(p)}={span(values)}"
    return head


def describe(cfg) -> str:
    """`expect_column_values_to_not_be_null(request_id)`; derived columns by name (their SQL is
    in the table's module and in Data Docs)."""
    kw = cfg.kwargs
    cols = [kw[k] for k in ("column", "column_A", "column_B") if kw.get(k)] + list(
        kw.get("column_list") or ()
    )
    shown = ", ".join(cols)
    if kw.get("row_condition"):
        shown += f" where {condition_text(kw['row_condition'])}"
    return f"{cfg.type}({shown})"


def span(values: list) -> str:
    if not values:
        return "(none)"
    return str(values[0]) if len(values) == 1 else f"{values[0]}..{values[-1]}"


def drop(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


def _fmt(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if type(value).__name__ == "datetime64":
        import pandas as pd

        return str(pd.Timestamp(value))
    return str(value)


def short(value: object) -> str:
    text = _fmt(value)
    return text if len(text) <= 80 else text[:77] + "..."
