"""What a table's suite is made of, shared by every module in `expectations/`.

A `TableSuite` names the table, the Great Expectations expectations run on pandas batches of it
(row-level checks; each marked fail or warn through GX's `severity`), the derived columns those
expectations read (SQL computed by DuckDB in the pull, so money stays exact), and the SQL checks
that need the whole table (uniqueness across partitions, totals, column types).

Levels: "fail" stops the night (`ValidationFailed`); "warn" is reported and the night goes on.
GX itself is imported only when a suite is built, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.sql import ident
from transforms import schema

FAIL = "fail"
WARN = "warn"
# GX 1.x severities for our two levels
GX_SEVERITY = {FAIL: "critical", WARN: "warning"}


@dataclass(frozen=True)
class SqlCheck:
    """A check over the whole table, run on DuckDB. `sql` selects the offending rows; its first
    column, cast to text, describes one offender in the message. It may bind `$business_date`,
    `$now` and `$tz`. It is skipped when a table in `requires` does not exist."""

    name: str
    level: str
    sql: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSuite:
    """The suite of one table (`schema.name`)."""

    table: str
    build: Callable[[], list]  # returns GX expectation objects (GX imported inside)
    partition_by: str | None = None  # the column that names a partition in messages
    derived: dict[str, str] = field(default_factory=dict)  # column -> SQL expression
    sql_checks: tuple[SqlCheck, ...] = ()
    columns: tuple[str, ...] = ()  # columns the table must have (fail if missing)
    money_columns: tuple[str, ...] = ()  # must be DECIMAL, never a float (fail)
    # GX sees only the run's business date; the other partitions get the same expectations as
    # SQL (expectations/sweep.py). For marts with a row per account and day since registration.
    gx_run_date_only: bool = False
    # A relation holding each row's figures once, which the SQL sweep reads instead of `table`
    # when it exists: marts.account_balances is a view repeating every balance position over
    # the calendar (138 M rows at 200,000 accounts for 2.6 M positions, 85 s of sweeping), and
    # a row-level expectation holds on every date a position covers exactly when it holds on
    # the position. Its rows carry the partition column as the first date they cover.
    sweep_from: str | None = None
    grain: str = ""

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]


def schema_fields(table: str) -> dict:
    """A published table's `columns`, `money_columns` and `grain`, from its schema.yaml
    (transforms/<layer>/<table>/schema.yaml): the suite requires every column the schema lists
    and every DECIMAL column of it to stay exact."""
    t = schema.table(table)
    return {"columns": t.column_names, "money_columns": t.money_columns, "grain": t.grain}


def severity(level: str) -> str:
    return GX_SEVERITY[level]


def condition_columns(cond) -> list[str]:
    """Columns a GX row condition (Condition object or its dict form) reads."""
    if cond is None:
        return []
    if not isinstance(cond, dict):
        cond = cond.dict()
    if "conditions" in cond:
        return [c for sub in cond["conditions"] for c in condition_columns(sub)]
    col = cond.get("column")
    return [col["name"] if isinstance(col, dict) else col] if col else []


def condition_text(cond) -> str:
    """`title_type == enterprise`, `kind IN [transfer_out, transfer_in]`."""
    if not isinstance(cond, dict):
        cond = cond.dict()
    if "conditions" in cond:
        joiner = " or " if cond.get("type") == "or" else " and "
        return joiner.join(condition_text(sub) for sub in cond["conditions"])
    name = cond["column"]["name"] if isinstance(cond.get("column"), dict) else cond.get("column")
    if "is_null" in cond:
        return f"{name} IS {'NULL' if cond['is_null'] else 'NOT NULL'}"
    param = cond.get("parameter")
    shown = "[" + ", ".join(map(str, param)) + "]" if isinstance(param, list) else str(param)
    return f"{name} {cond.get('operator')} {shown}"


def columns_read(expectations: list) -> list[str]:
    """Every column the expectations read, in first-seen order (row conditions included)."""
    seen: dict[str, None] = {}
    for e in expectations:
        kw = e.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if kw.get(key):
                seen[kw[key]] = None
        for c in kw.get("column_list") or ():
            seen[c] = None
        for c in condition_columns(kw.get("row_condition")):
            seen[c] = None
    return list(seen)




def label(partition: str) -> str:
    """How a partition column is named in messages (`_dt` reads as `dt`)."""
    return partition.lstrip("_")


def key_unique(
    table: str, key: tuple[str, ...], partition: str | None, level: str = FAIL
) -> SqlCheck:
    """`key` is unique over the whole table; the message names the key and its partitions.

    With a partition column, a run given new partitions (`$new_partitions`, a source's new
    files) checks the keys that occur in them against the whole table: the other keys were
    checked on the night their partitions arrived, and only a new row can repeat one. Tonight's
    rows are grouped by key once (a key given twice tonight is repeated); history's rows are
    only probed against those keys (a key found there is repeated too), never grouped. Without
    new partitions (NULL) every key is checked."""
    cols = ", ".join(ident(k) for k in key)
    shown = " || '|' || ".join(f"coalesce({ident(k)}::VARCHAR, 'NULL')" for k in key)
    detail = f"'{', '.join(key)}=' || {shown} || ' x' || count(*)"
    if partition:
        detail += (
            f" || ' in {label(partition)}=' || "
            f"string_agg(DISTINCT {ident(partition)}::VARCHAR, ', ' ORDER BY {ident(partition)}::VARCHAR)"
        )
    # the repeated keys first; only their rows are described (describing every group, with its
    # partitions, before the HAVING took 46 s over 10 M usage rows, the grouping alone 6 s)
    if partition:
        new = f"($new_partitions IS NULL OR list_contains($new_partitions, {ident(partition)}))"
        repeated = (f"WITH n AS (SELECT {cols}, count(*) AS _n FROM {table} WHERE {new}"
                    f" GROUP BY {cols}) SELECT {cols} FROM n WHERE _n > 1"
                    f" UNION SELECT {cols} FROM {table} SEMI JOIN n USING ({cols}) WHERE NOT {new}")
    else:
        repeated = f"SELECT {cols} FROM {table} GROUP BY {cols} HAVING count(*) > 1"
    same = " AND ".join(f"t.{ident(k)} IS NOT DISTINCT FROM r.{ident(k)}" for k in key)
    return SqlCheck(
        name=f"({', '.join(key)}) unique across {table}",
        level=level,
        sql=f"SELECT {detail} FROM {table} t SEMI JOIN ({repeated}) r ON {same}"
        f" GROUP BY {', '.join(f't.{ident(k)}' for k in key)} ORDER BY 1",
    )


GX_FAIL = GX_SEVERITY[FAIL]
GX_WARN = GX_SEVERITY[WARN]


def gx_expectations():
    """The GX expectations module, imported on first use (it takes seconds to import)."""
    import great_expectations.expectations as gxe

    return gxe


def where_column(name: str):
    """A GX row-condition column: `where_column("title_type") == "enterprise"`."""
    from great_expectations.expectations.row_conditions import Column

    return Column(name)
