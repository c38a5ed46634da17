"""Every published table's schema, read from the `schema.yaml` in its folder
(`transforms/<layer>/<table>/schema.yaml`, the mozilla/bigquery-etl layout).

One file says what a table is: its grain in one sentence, and per column its DuckDB type, a
description, and for money (DECIMAL) columns the unit and the rounding. From it come:

- the DDL of the tables created empty and then filled (`ddl`: marts.violations, marts.load_audit);
- the `COMMENT ON` of every table and column in the warehouse (`apply_comments`), so analysts
  read the descriptions where they query (`duckdb_tables()`, `duckdb_views()`, `duckdb_columns()`);
- the column lists of the expectation suites (`expectations/marts/<table>.py`);
- the table reference `docs/tables.md` (`reference_markdown`, kept fresh by tests/test_tables.py).

schema.yaml keys: `table` (schema.name), `grain`, `columns` (list of `name`, `type`,
`description`, optional `nullable: false`, and `unit` + `rounding` on every DECIMAL column);
optional `primary_key` and `constraints` (CHECK expressions) for tables built from their DDL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from core.sql import ident, literal

HERE = Path(__file__).resolve().parent
LAYERS = ("intermediate", "marts")
REFERENCE = HERE.parent / "docs" / "tables.md"


@dataclass(frozen=True)
class ColumnSchema:
    name: str
    type: str
    description: str
    nullable: bool = True
    unit: str | None = None
    rounding: str | None = None

    @property
    def is_money(self) -> bool:
        return self.type.startswith("DECIMAL")


@dataclass(frozen=True)
class TableSchema:
    table: str  # schema.name
    grain: str
    columns: tuple[ColumnSchema, ...]
    folder: Path
    primary_key: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def money_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.is_money)

    def column(self, name: str) -> ColumnSchema:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.table} has no column {name!r} in {self.folder}/schema.yaml")

    def query(self) -> str:
        """The table's query.sql."""
        return (self.folder / "query.sql").read_text(encoding="utf-8")


def load(folder: Path) -> TableSchema:
    """The schema.yaml of one table folder; a malformed file raises naming the file and key."""
    path = folder / "schema.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("table", "grain", "columns"):
        if not raw.get(key):
            raise ValueError(f"{path}: missing {key!r}")
    unknown = set(raw) - {"table", "grain", "columns", "primary_key", "constraints"}
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    columns = []
    for c in raw["columns"]:
        bad = set(c) - {"name", "type", "description", "nullable", "unit", "rounding"}
        if bad or not all(c.get(k) for k in ("name", "type", "description")):
            raise ValueError(f"{path}: column {c.get('name')!r} needs name, type, description"
                             f" (and has {', '.join(sorted(bad)) or 'no other keys'})")
        col = ColumnSchema(**c)
        if col.is_money and not (col.unit and col.rounding):
            raise ValueError(f"{path}: money column {col.name!r} needs a unit and a rounding")
        columns.append(col)
    return TableSchema(table=raw["table"], grain=raw["grain"].strip(), columns=tuple(columns),
                       folder=folder, primary_key=tuple(raw.get("primary_key") or ()),
                       constraints=tuple(raw.get("constraints") or ()))


@functools.cache
def all_tables() -> dict[str, TableSchema]:
    """Every table folder's schema, by `schema.name`, intermediate first then marts."""
    found: dict[str, TableSchema] = {}
    for layer in LAYERS:
        for path in sorted((HERE / layer).glob("*/schema.yaml")):
            t = load(path.parent)
            if t.table != f"{layer}.{path.parent.name}":
                raise ValueError(f"{path}: table {t.table!r} does not match its folder")
            found[t.table] = t
    return found


def table(name: str) -> TableSchema:
    """`table("marts.violations")`."""
    try:
        return all_tables()[name]
    except KeyError:
        raise KeyError(f"no schema.yaml for {name}") from None


def ddl(t: TableSchema) -> str:
    """CREATE OR REPLACE TABLE from the schema: types, NOT NULL, primary key, CHECKs."""
    parts = [f"{ident(c.name)} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in t.columns]
    if t.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(ident(k) for k in t.primary_key)})")
    parts += [f"CHECK ({c})" for c in t.constraints]
    return f"CREATE OR REPLACE TABLE {t.table} (\n    " + ",\n    ".join(parts) + "\n)"


def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table (or view) with a schema.yaml that exists on `con`, and on each of
    its columns: the grain and the column descriptions. A view's comments go when it is
    replaced, so this runs after the last table of the build."""
    rows = con.execute(
        "SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables()"
        " WHERE database_name = current_database()"
        " UNION ALL SELECT schema_name, view_name, 'VIEW' FROM duckdb_views()"
        " WHERE database_name = current_database() AND NOT internal").fetchall()
    kind = {f"{s}.{n}": k for s, n, k in rows}
    for name, t in all_tables().items():
        if name not in kind:
            continue
        target = f"{ident(t.schema)}.{ident(t.name)}"
        con.execute(f"COMMENT ON {kind[name]} {target} IS {literal(t.grain)}")
        for c in t.columns:
            con.execute(f"COMMENT ON COLUMN {target}.{ident(c.name)} IS {literal(c.description)}")


def reference_markdown() -> str:
    """docs/tables.md: every table's grain, folder and columns (generated; do not edit)."""
    out = ["# Tables", "",
           "Generated from each table's `schema.yaml` by `python -m transforms.schema`;",
           "tests/test_tables.py fails when this file is stale. The same texts are the",
           "table and column comments in the warehouse (`SELECT comment FROM duckdb_columns()`).",
           "Money is CNY, exact DECIMAL; the rounding column says where a figure is rounded.", ""]
    for name, t in all_tables().items():
        folder = t.folder.relative_to(HERE.parent).as_posix()
        out += [f"## `{name}`", "", t.grain, "", f"Folder: `{folder}/`", "",
                "| column | type | unit, rounding | description |", "|---|---|---|---|"]
        for c in t.columns:
            money = f"{c.unit}, {c.rounding}" if c.is_money else ""
            desc = c.description.replace("|", "\\|")
            out.append(f"| `{c.name}` | {c.type} | {money} | {desc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {REFERENCE}")
