"""The rules the audit checks (docs/rules.md), one file each, named after the rule_id.

A rule is `transforms/rules/<RULE_ID>.sql` (or `.py`) that returns its offending rows. It opens
with a header the runner reads:

    -- rule_id: REFUND_DUPLICATE
    -- severity: violation
    -- clause: Zhipu Service Agreement §8.2 — a top-up may be refunded only once
    -- audience: finance
    -- settings: rules.dispute_days, balance.burn_down   (config keys that change it, or none)
    -- days: usage.started_at, prices.effective_from      (optional: see "Rules by day" below)
    -- Flags ...                     (free text: what it flags, its thresholds)
    -- Reading: ...                  (one per reading chosen where the agreements leave room)
    -- Exists because ...            (why it matters)
    -- Implementation: ...           (optional: a note for engineers)

A paragraph starts at a line beginning "Reading:", "Exists because" or "Implementation:".
docs/rules.md, the catalogue a reader without the code uses, is written from these headers
(`ledger_audit.docs`).

and selects exactly these columns, one row per subject:

    account_id VARCHAR, subject_type VARCHAR, subject_id VARCHAR (rules.md §5 forms),
    occurred_at TIMESTAMPTZ, amount_at_stake DECIMAL (exact; rounded half-even by the runner),
    evidence VARCHAR (JSON text naming the records, times and amounts it rests on)

It reads the as-of views `int_<source>` and the engine's tables, and may bind `$now`,
`$business_date`, `$tz`, `$trial_days` and every [rules]/[liability] setting by name
(`$dispute_days`). A `.py` rule defines the same header as module constants (RULE_ID,
SEVERITY, CLAUSE, AUDIENCE) and `find(con, ctx) -> str`, returning the SELECT to run.
Rules by day. A rule whose findings each belong to one business date (that of `occurred_at`)
and rest only on records of that date, and on records that take effect before it (a price in
force, an account's lock), may say so with `days:`, naming the columns at which all of them take
effect (a new lock recomputes from its date on). It then reads them from
`getvariable('recompute_from')` on (the start of a business date; -infinity on a full night),
and a night that carries the published warehouse (transforms/changes.py) recomputes it only
from the first date its new files touch, keeping the published findings of earlier dates
(marts/violations/build.py).

Adding a rule means adding its file, its test (`tests/rules/test_<RULE_ID>.py`) and its planted
case (`ledger_audit/generate/planted/<RULE_ID>.py`); nothing else changes.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.db import AuditContext
from core.sql import bind

HERE = Path(__file__).resolve().parent
SEVERITIES = ("violation", "risk", "break")
AUDIENCES = ("finance", "legal")
OUTPUT_COLUMNS = (
    "account_id", "subject_type", "subject_id", "occurred_at", "amount_at_stake", "evidence",
)
_HEADER = re.compile(r"^--\s*(rule_id|severity|clause|audience|settings|days):\s*(.+?)\s*$")
PARAGRAPHS = ("Reading:", "Exists because", "Implementation:")


@dataclass(frozen=True)
class Rule:
    rule_id: str
    severity: str
    clause: str
    audience: str
    description: str
    path: Path
    settings: tuple[str, ...] = ()  # config keys ("rules.dispute_days") that change what it flags
    paragraphs: tuple[str, ...] = ()  # the free text: what it flags, readings, why, notes
    days: tuple[tuple[str, tuple[str, ...]], ...] = ()  # `days:` (source, its time columns)

    @property
    def readings(self) -> list[str]:
        return [p.removeprefix("Reading:").strip() for p in self.paragraphs if p.startswith("Reading:")]

    def sql(self, con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> str:
        if self.path.suffix == ".sql":
            return self.path.read_text(encoding="utf-8")
        return _module(self.path).find(con, ctx)


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"transforms.rules.{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _parse(path: Path) -> Rule:
    if path.suffix == ".sql":
        meta, text = {}, []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            m = _HEADER.match(line)
            if m:
                meta[m.group(1)] = m.group(2)
            else:
                text.append(line.lstrip("- ").rstrip())
        paragraphs: list[str] = []
        for t in filter(None, text):
            if paragraphs and not t.startswith(PARAGRAPHS):
                paragraphs[-1] += " " + t
            else:
                paragraphs.append(t)
    else:
        mod = _module(path)
        meta = {k.lower(): getattr(mod, k, None) for k in ("RULE_ID", "SEVERITY", "CLAUSE", "AUDIENCE")}
        meta["settings"] = ", ".join(getattr(mod, "SETTINGS", ())) or "none"
        paragraphs = [" ".join(p.split()) for p in (mod.__doc__ or "").strip().split("\n\n")]
    description = " ".join(paragraphs)
    settings = tuple(s.strip() for s in meta.get("settings", "none").split(",") if s.strip() != "none")
    for key in ("rule_id", "severity", "clause", "audience"):
        if not meta.get(key):
            raise ValueError(f"rule file {path.name}: header lacks '{key}:'")
    if meta["rule_id"] != path.stem:
        raise ValueError(f"rule file {path.name}: rule_id {meta['rule_id']} differs from its name")
    if meta["severity"] not in SEVERITIES:
        raise ValueError(f"rule file {path.name}: severity must be one of {SEVERITIES}")
    if meta["audience"] not in AUDIENCES:
        raise ValueError(f"rule file {path.name}: audience must be one of {AUDIENCES}")
    days: dict[str, tuple[str, ...]] = {}
    for item in filter(None, (i.strip() for i in meta.get("days", "").split(","))):
        source, _, column = item.partition(".")
        days[source] = days.get(source, ()) + (column,)
    return Rule(meta["rule_id"], meta["severity"], meta["clause"], meta["audience"], description, path,
                settings, tuple(paragraphs), tuple(days.items()))


def discover() -> list[Rule]:
    """Every rule file in this folder, by rule_id."""
    files = sorted(p for p in HERE.iterdir() if p.suffix in (".sql", ".py") and p.stem.isupper())
    return [_parse(p) for p in files]


def get(rule_id: str) -> Rule:
    for rule in discover():
        if rule.rule_id == rule_id:
            return rule
    raise KeyError(f"no rule {rule_id} in {HERE}")


def run_rule(con: duckdb.DuckDBPyConnection, rule: Rule | str, ctx: AuditContext) -> duckdb.DuckDBPyRelation:
    """The rule's offending rows, in the standard columns, amount_at_stake rounded half-even to 2
    decimals; fails naming the rule when it breaks the one-row-per-subject grain."""
    rule = get(rule) if isinstance(rule, str) else rule
    sql = rule.sql(con, ctx).strip().rstrip(";")
    cols = ", ".join(OUTPUT_COLUMNS[:-2])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _rule_hits AS
            SELECT {cols}, round_half_even_2(amount_at_stake) AS amount_at_stake,
                   evidence::VARCHAR AS evidence
            FROM ({sql})""",
        bind(sql, ctx.params()),
    )
    dup = con.execute(
        "SELECT subject_id, count(*) FROM _rule_hits GROUP BY 1 HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if dup:
        raise ValueError(f"rule {rule.rule_id} returned {dup[1]} rows for subject {dup[0]}")
    name = f"_hits_{rule.rule_id.lower()}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _rule_hits")
    return con.table(name)
