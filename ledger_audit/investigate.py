"""Ad-hoc investigations on the published warehouse: `ledger-audit sql`.

A session is one read-only DuckDB connection to the published file, prepared like every other
connection (UTC, the run's variables, the TEMP money macros of core/macros.sql). The nightly job
builds the next warehouse beside it and `os.replace`s it, so a session keeps the snapshot it
opened: it never waits for the night and the night never waits for it. `.reopen` in the prompt
(or a new session) picks up the latest publish.

Only reading statements run: each statement's type is checked before it executes (the file is
opened read-only anyway, but COPY … TO, ATTACH, INSTALL or CREATE TEMP would still write
somewhere). Saved investigations live in `queries/NAME.sql`; their parameters are bound as
`$name`, never pasted into SQL text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Self

import duckdb

from core.config import Config
from core.db import AuditContext, prepare
from core.errors import AuditError
from core.sql import bind, ident

TABLE_ROWS = 1000  # a printed table stops here; --format csv|json|parquet writes every row
ANALYST_SCHEMAS = ("marts", "staging", "intermediate", "meta")
FORMATS = ("table", "csv", "json", "parquet")


class InvestigateError(AuditError):
    """A query, a parameter or a warehouse path the analyst must fix: one line."""


# --- the warehouse, read-only ------------------------------------------------------------------

def _check_warehouse_file(path: Path) -> None:
    if not path.exists():
        raise InvestigateError(f"no warehouse at {path}")
    if path.is_dir():
        raise InvestigateError(f"{path} is a folder, not a DuckDB warehouse file")
    with open(path, "rb") as fh:
        head = fh.read(12)
    # DuckDB's main header: an 8-byte checksum, then the magic bytes
    if head[8:12] != b"DUCK":
        raise InvestigateError(f"{path} is not a DuckDB warehouse file: pass the .duckdb file that"
                               " `ledger-audit run` publishes")


@dataclass
class Warehouse:
    """An open, read-only session on the published warehouse."""

    path: Path
    config: Config
    con: duckdb.DuckDBPyConnection
    business_date: dt.date
    built_at: dt.datetime | None

    @classmethod
    def open(cls, path: str | Path, config: Config | None = None) -> Warehouse:
        path = Path(path)
        config = config or Config()
        _check_warehouse_file(path)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise InvestigateError(f"cannot open {path} read-only: {_first_line(exc)}") from None
        try:
            row = con.execute("SELECT max(business_date), max(built_at) FROM meta.run").fetchone()
        except duckdb.Error:
            con.close()
            raise InvestigateError(f"{path} is a DuckDB file but not a ledger-audit warehouse"
                                   " (it has no meta.run)") from None
        if row is None or row[0] is None:
            con.close()
            raise InvestigateError(f"{path} has no business date in meta.run: not a published warehouse")
        # $now, $business_date and biz_date() mean what they meant to the night that built it
        prepare(con, AuditContext(row[0], config))
        return cls(path, config, con, row[0], row[1])

    def reopen(self) -> Warehouse:
        """A fresh session on whatever is published now."""
        self.close()
        return Warehouse.open(self.path, self.config)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


# --- which statements may run ----------------------------------------------------------------

ST = duckdb.StatementType
_READING = {ST.SELECT, ST.SET, ST.TRANSACTION}  # SET: settings and SET VARIABLE, session only
# PRAGMAs that only report (IMPORT DATABASE is a PRAGMA too)
_READING_PRAGMAS = {"table_info", "show", "show_tables", "show_tables_expanded", "database_size",
                    "storage_info", "version", "platform", "functions", "metadata_info",
                    "database_list", "collations", "user_agent"}
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)", re.IGNORECASE)
_PIVOT = re.compile(r"^\s*PIVOT\s", re.IGNORECASE)
_WHY = {
    ST.COPY: "COPY reads into or writes out of the database; to save a result use"
             " --format csv|json|parquet --output FILE",
    ST.ATTACH: "ATTACH would open another database, possibly for writing",
    ST.LOAD: "INSTALL/LOAD change the extensions installed on this machine",
    ST.EXPORT: "EXPORT DATABASE writes files",
}


def _kind(statement: duckdb.Statement) -> str:
    return str(statement.type).rsplit(".", 1)[-1].replace("_", " ")


def check_read_only(sql: str) -> list[tuple[str, bool]]:
    """The statements of `sql`, each checked to only read, with whether it returns rows; else
    one line saying which statement and why."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvestigateError(_first_line(exc)) from None
    if not statements:
        raise InvestigateError("no SQL statement given")
    out = []
    for st in statements:
        text = st.query.strip()
        if st.type == ST.EXPLAIN:
            check_read_only(_EXPLAIN.sub("", text, count=1))  # EXPLAIN ANALYZE runs its statement
        elif st.type == ST.PRAGMA:
            m = _PRAGMA.match(text)
            if not m or m.group(1).lower() not in _READING_PRAGMAS:
                raise InvestigateError(f"the warehouse is read-only: PRAGMA {m.group(1) if m else ''}"
                                       " is not one that only reports".replace("  ", " "))
        elif st.type == ST.MULTI and _PIVOT.match(text):
            pass  # PIVOT without an IN list: DuckDB reads the distinct values first, then selects
        elif st.type not in _READING:
            why = _WHY.get(st.type, "ledger-audit sql only reads the warehouse")
            raise InvestigateError(f"the warehouse is read-only: {_kind(st)} is a write statement ({why})")
        out.append((text, st.type not in (ST.SET, ST.TRANSACTION)))
    return out


# DESCRIBE in DuckDB lists no comments; through ledger-audit sql it adds each column's meaning
_DESCRIBE = re.compile(r'^\s*(?:DESCRIBE|DESC)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+)){0,2})\s*;?\s*$',
                       re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One checked, reading statement and its bound parameters, run when its rows are written."""

    con: duckdb.DuckDBPyConnection
    text: str
    params: dict[str, object] | None = None
    has_rows: bool = True  # SET and BEGIN/COMMIT run and print nothing

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.execute(self.text, self.params)

    def relation(self) -> duckdb.DuckDBPyRelation | None:
        """Lazy rows (for Arrow/Parquet, streamed); None for a statement without rows."""
        return self.con.sql(self.text, params=self.params)


def _describe(wh: Warehouse, name: str) -> Statement | None:
    parts = [p.strip('"') for p in re.findall(r'"[^"]+"|\w+', name)]
    sql = """
        SELECT column_name, data_type AS column_type,
               CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS "null", comment
        FROM duckdb_columns()
        WHERE table_name = $t
          AND schema_name = coalesce($s, current_schema())
          AND database_name = coalesce($d, current_database())
        ORDER BY column_index"""
    params = {"t": parts[-1], "s": parts[-2] if len(parts) >= 2 else None,
              "d": parts[-3] if len(parts) == 3 else None}
    if wh.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0] == 0:
        return None  # not a table or view we know: DuckDB's own DESCRIBE says why
    return Statement(wh.con, sql, params)


def execute(wh: Warehouse, sql: str, params: dict[str, object] | None = None) -> list[Statement]:
    """The reading statements of `sql`, checked, each with the parameters it names; a write
    statement anywhere in `sql` fails before any runs."""
    out = []
    for text, has_rows in check_read_only(sql):
        m = _DESCRIBE.match(text)
        stmt = _describe(wh, m.group(1)) if m and not params else None
        try:
            bound = bind(text, params) if params else None
        except KeyError as exc:  # a saved query naming a parameter its header does not declare
            raise InvestigateError(str(exc.args[0])) from None
        out.append(stmt or Statement(wh.con, text, bound, has_rows))
    return out


# --- writing a result ------------------------------------------------------------------------

def _text(value: object) -> str:
    """A value as exact text: money keeps every digit (never through a double)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _json_default(value: object) -> object:
    # DECIMAL is written as a JSON string ("12.30"): a JSON number is read as a double by most parsers
    if isinstance(value, (Decimal, dt.datetime, dt.date, dt.time, dt.timedelta, bytes)):
        return _text(value)
    return str(value)  # UUID and the like


def _rows(cur: duckdb.DuckDBPyConnection, batch: int = 10_000) -> Iterator[tuple]:
    while rows := cur.fetchmany(batch):
        yield from rows


def write_result(stmt: Statement, fmt: str = "table", output: Path | None = None,
                 stdout: IO[str] | None = None) -> int | None:
    """Run a statement and write its rows as a table, CSV, JSON (an array of objects) or Parquet.
    Returns the rows written (None for a statement without rows)."""
    if fmt not in FORMATS:
        raise InvestigateError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if fmt == "parquet" and output is None:
        raise InvestigateError("parquet is binary: give --output FILE.parquet")
    try:
        if not stmt.has_rows:
            stmt.cursor()
            return None
        if fmt == "parquet":
            return _write_parquet(stmt.relation(), output)
        cur = stmt.cursor()
        if cur.description is None:
            return None
        if output is not None:
            with open(output, "w", newline="", encoding="utf-8") as fh:
                return _WRITERS[fmt](cur, fh, False)
        out = stdout or sys.stdout
        return _WRITERS[fmt](cur, out, out.isatty())
    except duckdb.Error as exc:
        raise InvestigateError(_first_line(exc)) from None
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the caller stops quietly
    except OSError as exc:
        raise InvestigateError(f"cannot write {output or 'to stdout'}: {exc.strerror}") from None


def _write_csv(cur: duckdb.DuckDBPyConnection, fh: IO[str], _tty: bool) -> int:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow([d[0] for d in cur.description])
    n = 0
    for row in _rows(cur):
        w.writerow([_text(v) for v in row])
        n += 1
    return n


def _write_json(cur: duckdb.DuckDBPyConnection, fh: IO[str], _tty: bool) -> int:
    names = [d[0] for d in cur.description]
    n = 0
    fh.write("[")
    for row in _rows(cur):
        fh.write(",\n" if n else "\n")
        fh.write(json.dumps(dict(zip(names, row)), default=_json_default, ensure_ascii=False))
        n += 1
    fh.write("\n]\n" if n else "]\n")
    return n


def _write_parquet(rel: duckdb.DuckDBPyRelation | None, output: Path) -> int | None:
    import pyarrow.parquet as pq

    if rel is None:
        return None
    reader = rel.to_arrow_reader(100_000)  # DECIMAL stays Arrow decimal128: exact
    n = 0
    with pq.ParquetWriter(str(output), reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            n += batch.num_rows
    return n


def _is_number(type_code: object) -> bool:
    name = str(type_code).upper()
    return any(name.startswith(t) for t in ("DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "TINYINT",
                                            "HUGEINT", "UBIGINT", "UINTEGER", "DOUBLE", "FLOAT",
                                            "NUMBER"))


def _print(renderable: object, fh: IO[str], tty: bool, width: int = 100_000) -> None:
    """On a terminal, fold to its width; in a file or a pipe, `width` wide, no padding at line ends."""
    from rich.console import Console

    if tty:
        Console(file=fh, highlight=False).print(renderable)
        return
    buf = io.StringIO()
    Console(file=buf, width=width, no_color=True, highlight=False).print(renderable)
    fh.write("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def _write_table(cur: duckdb.DuckDBPyConnection, fh: IO[str], tty: bool) -> int:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SQUARE, header_style="bold")
    for name, type_code, *_ in cur.description:
        table.add_column(name, justify="right" if _is_number(type_code) else "left",
                         overflow="fold")
    rows = cur.fetchmany(TABLE_ROWS + 1)
    for row in rows[:TABLE_ROWS]:
        table.add_row(*["NULL" if v is None else _text(v) for v in row])
    _print(table, fh, tty)
    shown = min(len(rows), TABLE_ROWS)
    more = " (more not shown: --format csv|json|parquet writes every row)" if len(rows) > TABLE_ROWS else ""
    fh.write(f"({shown} row{'s' if shown != 1 else ''}{more})\n")
    return shown


_WRITERS = {"table": _write_table, "csv": _write_csv, "json": _write_json}


def interruptible(wh: Warehouse, work: Callable[[], object]) -> object:
    """Run `work` (a query and its output) so that Ctrl-C stops it: DuckDB does not look at
    signals while it runs, so the query runs in a thread and Ctrl-C interrupts the connection."""
    done: dict[str, object] = {}
    finished = threading.Event()  # not Thread.join: an interrupted join can return early (3.11)

    def run() -> None:
        try:
            done["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            done["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=run, daemon=True).start()
    try:
        while not finished.wait(0.1):
            pass
    except KeyboardInterrupt:
        while not finished.wait(0.1):
            wh.con.interrupt()  # again until it lands: the query may not have started yet
        raise InvestigateError("interrupted (Ctrl-C)") from None
    if "error" in done:
        raise done["error"]  # type: ignore[misc]
    return done.get("value")


# --- the tables, explained -------------------------------------------------------------------

def tables(wh: Warehouse) -> Statement:
    """Every analyst-facing table and view: its schema, kind, grain (its comment) and rows."""
    objects = wh.con.execute("""
        SELECT schema_name, table_name, 'table' AS kind, comment FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name IN $schemas
        UNION ALL
        SELECT schema_name, view_name, 'view', comment FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name IN $schemas AND NOT internal
        """, {"schemas": list(ANALYST_SCHEMAS)}).fetchall()
    order = {s: i for i, s in enumerate(ANALYST_SCHEMAS)}
    objects.sort(key=lambda r: (order[r[0]], r[1]))
    counted = []
    for schema, name, kind, comment in objects:
        n = wh.con.execute(f"SELECT count(*) FROM {ident(schema)}.{ident(name)}").fetchone()[0]
        counted.append((f"{schema}.{name}", kind, n, comment))  # NULL until the table has a COMMENT
    return Statement(
        wh.con,
        "SELECT unnest($t) AS \"table\", unnest($k) AS kind, unnest($n)::BIGINT AS \"rows\","
        " unnest($c) AS grain",
        {"t": [c[0] for c in counted], "k": [c[1] for c in counted],
         "n": [c[2] for c in counted], "c": [c[3] for c in counted]})


def describe_warehouse(wh: Warehouse) -> str:
    built = f", built {wh.built_at:%Y-%m-%d %H:%M} UTC" if wh.built_at else ""
    return f"{wh.path}: business date {wh.business_date.isoformat()}{built} (read-only)"


# --- saved investigations --------------------------------------------------------------------

def queries_dir() -> Path:
    """`queries/`: inside the installed package (the wheel maps it there), else at the repository
    root beside the package (a clone, or the editable install)."""
    env = os.environ.get("LEDGER_AUDIT_QUERIES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "queries", here.parent / "queries"):
        if candidate.is_dir():
            return candidate
    raise InvestigateError(f"no queries/ folder beside {here}")


_TYPES = ("VARCHAR", "DATE", "INTEGER", "DECIMAL", "BOOLEAN", "TIMESTAMPTZ")
_PARAM_LINE = re.compile(
    r"^--\s+(?P<name>[A-Za-z_]\w*)\s+(?P<type>" + "|".join(_TYPES) + r")\s+"
    r"(?P<default>required|optional|default=\S+)\s+(?P<meaning>\S.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: str | None  # text of `default=VALUE`; None: required, or bound as NULL (optional)
    meaning: str

    def convert(self, text: str, query: str) -> object:
        """The Python value DuckDB binds for `text`, or one line saying what is wrong."""
        bad = InvestigateError(f"query {query}: --param {self.name}={text!r} is not "
                               f"{_TYPE_WORDS[self.type]}")
        try:
            if self.type == "VARCHAR":
                return text
            if self.type == "DATE":
                return dt.date.fromisoformat(text)
            if self.type == "INTEGER":
                return int(text)
            if self.type == "DECIMAL":
                value = Decimal(text)
                if not value.is_finite():
                    raise bad
                return value
            if self.type == "BOOLEAN":
                low = text.lower()
                if low not in ("true", "false"):
                    raise bad
                return low == "true"
            if self.type == "TIMESTAMPTZ":
                value = dt.datetime.fromisoformat(text)
                if value.tzinfo is None:
                    raise bad
                return value
        except (ValueError, InvalidOperation):
            raise bad from None
        raise bad

    def describe_default(self) -> str:
        if self.required:
            return "required"
        return self.default if self.default is not None else "optional"


_TYPE_WORDS = {"VARCHAR": "text", "DATE": "a date (YYYY-MM-DD)", "INTEGER": "a whole number",
               "DECIMAL": "a decimal number", "BOOLEAN": "true or false",
               "TIMESTAMPTZ": "a timestamp with offset (2026-11-20T10:00:00+08:00)"}


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: Path
    answers: str
    description: str
    params: tuple[Param, ...]
    sql: str

    @classmethod
    def load(cls, path: Path) -> SavedQuery:
        text = path.read_text(encoding="utf-8")
        header = []
        for line in text.splitlines():
            if not line.startswith("--"):
                break
            header.append(line)
        if not header or not header[0].startswith(f"-- {path.stem}:"):
            raise InvestigateError(f"{path}: must open with '-- {path.stem}: what it answers'")
        answers = header[0].split(":", 1)[1].strip()
        desc, params, in_params = [], [], False
        for line in header[1:]:
            body = line[2:].strip()
            if body.lower() == "parameters:":
                in_params = True
            elif in_params and body:
                m = _PARAM_LINE.match(line)
                if not m:
                    raise InvestigateError(f"{path}: parameter line not 'name TYPE required|optional|"
                                           f"default=VALUE meaning': {line!r}")
                d = m.group("default")
                params.append(Param(m.group("name"), m.group("type"), d == "required",
                                    d.split("=", 1)[1] if d.startswith("default=") else None,
                                    m.group("meaning").strip()))
            elif not in_params:
                desc.append(body)
        return cls(path.stem, path, answers, " ".join(x for x in desc if x).strip(), tuple(params), text)

    def bind(self, given: dict[str, str]) -> dict[str, object]:
        """Typed values for every parameter: given, defaulted, or NULL when optional."""
        known = {p.name: p for p in self.params}
        for name in given:
            if name not in known:
                has = ", ".join(known) or "none"
                raise InvestigateError(f"query {self.name} has no parameter {name!r} (its parameters: {has})")
        values: dict[str, object] = {}
        for p in self.params:
            if p.name in given:
                values[p.name] = p.convert(given[p.name], self.name)
            elif p.default is not None:
                values[p.name] = p.convert(p.default, self.name)
            elif p.required:
                raise InvestigateError(f"query {self.name} needs --param {p.name}=VALUE ({p.meaning})")
            else:
                values[p.name] = None
        return values


def saved_queries() -> dict[str, SavedQuery]:
    return {p.stem: SavedQuery.load(p) for p in sorted(queries_dir().glob("*.sql"))}


def saved_query(name: str) -> SavedQuery:
    found = saved_queries()
    if name not in found:
        raise InvestigateError(f"no saved query {name!r} (saved: {', '.join(found) or 'none'};"
                               " --list-queries describes them)")
    return found[name]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`key=value` strings (each --param) to a dict; the value is everything after the first '='."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvestigateError(f"--param {pair!r} is not key=value")
        if key.strip() in out:
            raise InvestigateError(f"--param {key.strip()} given twice")
        out[key.strip()] = value
    return out


def run_saved(wh: Warehouse, name: str, given: dict[str, str]) -> Statement:
    """The saved query NAME with its parameters bound (typed, defaulted, checked)."""
    q = saved_query(name)
    statements = execute(wh, q.sql, q.bind(given))
    if len(statements) != 1:
        raise InvestigateError(f"{q.path}: a saved query is one statement, found {len(statements)}")
    return statements[0]


def list_queries(stdout: IO[str] | None = None) -> None:
    from rich import box
    from rich.table import Table

    out = stdout or sys.stdout
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for col in ("query", "answers", "parameters"):
        table.add_column(col, overflow="fold")
    for q in saved_queries().values():
        params = "\n".join(f"{p.name} {p.type} ({p.describe_default()}): {p.meaning}" for p in q.params)
        table.add_row(q.name, q.answers, params or "none")
    _print(table, out, out.isatty(), width=130)


# --- the prompt ------------------------------------------------------------------------------

HELP = """\
SQL statements end with ';' and may span lines. Only reading statements run.
  .tables                  every table and view: grain and rows
  .queries                 the saved investigations and their parameters
  .run NAME key=value ...  run a saved investigation
  .reopen                  open the latest published warehouse (this session keeps its snapshot)
  .help                    this text
  .quit                    leave (or Ctrl-D)
DESCRIBE marts.violations adds each column's meaning; biz_date(ts), round_half_even_2(x) and the
other money macros of core/macros.sql are available; getvariable('business_date') is the run's date."""


def history_file() -> Path:
    """The prompt's history: LEDGER_AUDIT_SQL_HISTORY, else ~/.ledger_audit_sql_history."""
    env = os.environ.get("LEDGER_AUDIT_SQL_HISTORY")
    return Path(env) if env else Path.home() / ".ledger_audit_sql_history"


def _setup_readline(wh: Warehouse) -> object | None:
    try:
        import readline
    except ImportError:  # pragma: no cover - no readline: no history, the prompt still works
        return None
    path = history_file()
    try:
        readline.read_history_file(path)
    except (FileNotFoundError, OSError):
        pass
    readline.set_history_length(5000)
    words = sorted({r[0] for r in wh.con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "UNION SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal "
        "UNION SELECT column_name FROM duckdb_columns() "
        "UNION SELECT upper(keyword_name) FROM duckdb_keywords()").fetchall()}
        | {".tables", ".queries", ".run", ".reopen", ".help", ".quit"})

    def complete(text: str, state: int) -> str | None:
        hits = [w for w in words if w.lower().startswith(text.lower())]
        return hits[state] if state < len(hits) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t\n(),;=")
    readline.parse_and_bind("tab: complete")
    return readline


def _save_history(readline: object | None) -> None:
    if readline is None:
        return
    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)  # type: ignore[attr-defined]
    except OSError as exc:
        print(f"(history not saved to {path}: {exc.strerror})", file=sys.stderr)


def _statement_complete(text: str) -> bool:
    stripped = re.sub(r"--[^\n]*", "", text).strip()
    return stripped.endswith(";")


def prompt(wh: Warehouse, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> Warehouse:
    """The interactive prompt. Not on a terminal, it reads statements from stdin and runs them,
    with no prompt text. Returns the session it ends with (`.reopen` replaces it)."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = stdin.isatty()
    rl = _setup_readline(wh) if interactive else None
    if interactive:
        out.write(f"ledger-audit sql: {describe_warehouse(wh)}\n.help for help, .quit or Ctrl-D to leave.\n")
    buffer: list[str] = []
    try:
        while True:
            try:
                if interactive:
                    line = input("sql> " if not buffer else "...> ")
                else:
                    line = stdin.readline()
                    if not line:
                        raise EOFError
                    line = line.rstrip("\n")
            except EOFError:
                if interactive:
                    out.write("\n")
                if buffer and "".join(buffer).strip():
                    _run_in_prompt(wh, "\n".join(buffer), out)
                break
            except KeyboardInterrupt:
                out.write("^C\n")
                buffer.clear()
                continue
            if not buffer and line.strip().startswith("."):
                cmd, *args = line.strip().split()
                if cmd in (".quit", ".exit", ".q"):
                    break
                wh = _dot(wh, cmd, args, out)
                continue
            buffer.append(line)
            text = "\n".join(buffer)
            if _statement_complete(text):
                if rl is not None and len(buffer) > 1:  # one history entry per statement
                    n = rl.get_current_history_length()  # type: ignore[attr-defined]
                    for i in range(len(buffer)):
                        rl.remove_history_item(n - 1 - i)  # type: ignore[attr-defined]
                    rl.add_history(" ".join(x.strip() for x in buffer))  # type: ignore[attr-defined]
                buffer.clear()
                _run_in_prompt(wh, text, out)
    finally:
        _save_history(rl)
    return wh


def _run_in_prompt(wh: Warehouse, sql: str, out: IO[str]) -> None:
    try:
        for stmt in execute(wh, sql):
            interruptible(wh, lambda s=stmt: write_result(s, "table", stdout=out))
    except InvestigateError as exc:  # Ctrl-C stops the query, not the session
        out.write(f"error: {exc}\n")


def _dot(wh: Warehouse, cmd: str, args: list[str], out: IO[str]) -> Warehouse:
    try:
        if cmd == ".help":
            out.write(HELP + "\n")
        elif cmd == ".tables":
            out.write(describe_warehouse(wh) + "\n")
            write_result(tables(wh), "table", stdout=out)
        elif cmd == ".queries":
            list_queries(out)
        elif cmd == ".run":
            if not args:
                raise InvestigateError(".run needs a query name: .run NAME key=value ...")
            write_result(run_saved(wh, args[0], parse_params(args[1:])), "table", stdout=out)
        elif cmd == ".reopen":
            wh = wh.reopen()
            out.write(describe_warehouse(wh) + "\n")
        else:
            out.write(f"error: unknown command {cmd} (.help lists them)\n")
    except InvestigateError as exc:
        out.write(f"error: {exc}\n")
    return wh
