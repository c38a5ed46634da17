"""Landing zone -> lake: read every landing file once, type it per the contract, keep it immutable.

    <landing>/<source>/dt=YYYY-MM-DD/<name>.<csv|csv.gz|jsonl|jsonl.gz|parquet>
      -> <lake>/<source>/dt=YYYY-MM-DD/<stem>.parquet             typed, row-valid rows
         <lake>/<source>/dt=YYYY-MM-DD/<stem>.quarantine.parquet  bad rows with their reason
         <lake>/<source>/dt=YYYY-MM-DD/<stem>.json                the entry: counts, sha256, loaded_at

`stem` is the first 16 hex digits of sha256(file path + content sha256), so one landing file at
one content always maps to the same lake files, and a byte-identical copy under another name gets
its own (its rows are then duplicates, counted per file). Every lake file is written under a
temporary name and renamed; the `.json` entry is written last and marks the load complete, so a
run that crashed half-way just finds what it had finished.

Every value is read as text and typed in one DuckDB pass under the platform time zone (naive
timestamps are platform time); the same pass names each bad row's first failing check
(rules.md §6 "Bad rows and bad files"). Duplicates across files are resolved later, over all
loaded files of a source (transforms/staging/lake.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from core.errors import BadFileError
from core.sql import ident, literal
from transforms.sources import FORMATS, SOURCES, Column, Source

_DT_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_DECIMAL = {"money2": r"^[+-]?[0-9]+(\.[0-9]{1,2})?$", "money6": r"^[+-]?[0-9]+(\.[0-9]{1,6})?$"}
# JSON and float parquet columns render whole numbers as "12.0"
_INTEGER = r"^[+-]?[0-9]+(\.0*)?$"
_KIND_WORD = {"ts": "timestamp", "date": "date", "int": "integer", "bool": "boolean",
              "money2": "decimal", "money6": "decimal"}


@dataclass(frozen=True)
class LandingFile:
    source: str
    dt: dt.date
    file: str  # path below the landing root, POSIX
    path: Path

    @property
    def fmt(self) -> str:
        return next(f for f in sorted(FORMATS, key=len, reverse=True) if self.file.endswith(f))


@dataclass
class LakeEntry:
    """One loaded landing file: what the lake holds for it. JSON-able; `dt` is ISO text."""

    source: str
    dt: str
    file: str
    sha256: str
    stem: str
    size: int
    mtime_ns: int
    rows_read: int
    rows_valid: int
    rows_bad: int
    loaded_at: str  # ISO UTC instant of the first load; kept so re-runs are identical

    def parquet(self, lake: Path) -> Path:
        return lake / self.source / f"dt={self.dt}" / f"{self.stem}.parquet"

    def quarantine(self, lake: Path) -> Path | None:
        if not self.rows_bad:
            return None
        return lake / self.source / f"dt={self.dt}" / f"{self.stem}.quarantine.parquet"

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# discovery and hashing


def discover(landing: Path, business_date: dt.date) -> tuple[list[LandingFile], list[str]]:
    """Landing files of every contract source with dt <= business_date, sorted; and warnings
    about what was skipped (unknown folders, other extensions). Hidden and `_`-prefixed files
    are in-flight uploads or markers (_SUCCESS) and are skipped silently."""
    landing = Path(landing)
    if not landing.is_dir():
        raise BadFileError(f"landing zone {landing} does not exist")
    files: list[LandingFile] = []
    warnings: list[str] = []
    for src_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        if src_dir.name not in SOURCES:
            if not src_dir.name.startswith((".", "_")):
                warnings.append(f"skipped folder {src_dir.name}/: not a source of the contract")
            continue
        for part in sorted(p for p in src_dir.iterdir() if p.is_dir()):
            m = _DT_DIR.match(part.name)
            try:
                day = dt.date.fromisoformat(m.group(1)) if m else None
            except ValueError:
                day = None
            if day is None:
                warnings.append(f"skipped folder {src_dir.name}/{part.name}/: not dt=YYYY-MM-DD")
                continue
            if day > business_date:
                continue
            for f in sorted(part.iterdir()):
                if f.name.startswith((".", "_")) or not f.is_file():
                    continue
                rel = f.relative_to(landing).as_posix()
                if not f.name.endswith(FORMATS):
                    warnings.append(f"skipped {rel}: not one of {', '.join(FORMATS)}")
                    continue
                files.append(LandingFile(src_dir.name, day, rel, f))
    return files, warnings


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def stem_of(file: str, sha256: str) -> str:
    return hashlib.sha256(f"{file}\n{sha256}".encode()).hexdigest()[:16]


def read_entry(path: Path) -> LakeEntry | None:
    try:
        return LakeEntry(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# reading every format as text






def _columns(con: duckdb.DuckDBPyConnection, lf: LandingFile) -> list[str]:
    """A CSV or parquet file's column names (a JSONL file's come from _jsonl_exact)."""
    p = str(lf.path)
    if lf.fmt in (".csv", ".csv.gz"):
        return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_csv()}", {"p": p}).fetchall()]
    sql = "DESCRIBE SELECT * FROM read_parquet($p, hive_partitioning=false)"
    return [r[0] for r in con.execute(sql, {"p": p}).fetchall()]


def _csv() -> str:
    # the dialect is fixed, not sniffed: a comma file with quotes "..." and a header line
    return ("read_csv($p, all_varchar=true, header=true, delim=',', quote='\"', escape='\"',"
            " null_padding=false, strict_mode=true, hive_partitioning=false)")


JSONL_VIEW = "_jsonl_exact"
_JSONL_CHUNK = 100_000  # rows per Arrow batch: a large file never holds millions of Python strings


def _plain_decimal(token: str) -> str:
    # a JSON number token as plain decimal text, exactly: 12.30 stays 12.30, 1e-6 is 0.000001
    return format(Decimal(token), "f")


def _jsonl_text(v: object) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, ensure_ascii=False)  # an object or array where a value belongs


def _jsonl_exact(lf: LandingFile, contract: list[str]):
    """The file's rows as text columns, every JSON number as written, and the keys of its
    objects (its columns). DuckDB's and polars' JSON readers parse numbers into doubles
    (123456789012.123456 comes back ...12346), and money must never pass through a float.
    Blank lines are skipped; a line that is not JSON fails the file."""
    import gzip

    import pyarrow as pa

    schema = pa.schema([("_row", pa.int64()), ("j", pa.string())]
                       + [(n, pa.string()) for n in contract])
    batches, buf, n, keys = [], {k: [] for k in schema.names}, 0, set()

    def flush():
        batches.append(pa.record_batch([buf[k] for k in schema.names], schema=schema))
        for v in buf.values():
            v.clear()

    opener = gzip.open if lf.fmt.endswith(".gz") else open
    with opener(lf.path, "rt", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_float=_plain_decimal, parse_int=str,
                                 parse_constant=str)
            except json.JSONDecodeError as exc:
                raise BadFileError(f"{lf.source}: cannot read {lf.file}: line {lineno} is not"
                                   f" JSON ({exc.msg})") from None
            n += 1
            buf["_row"].append(n)
            buf["j"].append(line.rstrip("\r\n"))
            if isinstance(obj, dict):
                keys.update(obj)
            get = obj.get if isinstance(obj, dict) else (lambda _k: None)
            for name in contract:
                buf[name].append(_jsonl_text(get(name)))
            if n % _JSONL_CHUNK == 0:
                flush()
    if buf["_row"] or not batches:
        flush()
    return pa.Table.from_batches(batches, schema=schema), sorted(keys)


def _raw_select(lf: LandingFile, src: Source, present: list[str]) -> tuple[str, str]:
    """SELECT _row, the file's columns as text (contract columns the file lacks as NULL); and
    the expression of a row's original text as JSON, evaluated for bad rows only."""
    contract = [c.name for c in src.columns]
    if lf.fmt in (".jsonl", ".jsonl.gz"):
        # parsed in Python with numbers kept as their text (_jsonl_exact), registered as a view
        cols = ", ".join(ident(n) for n in contract)
        return f"SELECT _row, j, {cols} FROM {JSONL_VIEW}", "j"
    if lf.fmt == ".parquet":
        inner = "SELECT file_row_number + 1 AS _row, * EXCLUDE (file_row_number)" \
                " FROM read_parquet($p, file_row_number=true, hive_partitioning=false)"
    else:
        # a streaming window over the scan numbers rows in file order
        inner = f"SELECT row_number() OVER () AS _row, * FROM {_csv()}"
    have = [n for n in contract if n in set(present)]
    replace = f" REPLACE ({', '.join(f'{ident(n)}::VARCHAR AS {ident(n)}' for n in have)})" if have else ""
    missing = "".join(f", NULL::VARCHAR AS {ident(n)}" for n in contract if n not in set(present))
    raw = "to_json(struct_pack(" + ", ".join(f"{ident(n)} := {ident(n)}::VARCHAR" for n in present) + "))"
    return f"SELECT *{replace}{missing} FROM ({inner})", raw


# ---------------------------------------------------------------------------------------------
# typing and row checks


def _typed(c: Column, v: str) -> str:
    """The typed value of text `v` (already NULL for empty), NULL when it does not parse."""
    if c.type in ("str",):
        return v
    if c.type == "enum":
        return f"CASE WHEN {v} IN ({', '.join(literal(x) for x in c.values)}) THEN {v} END"
    if c.type in ("money2", "money6"):
        return (f"CASE WHEN regexp_full_match(trim({v}), {literal(_DECIMAL[c.type])})"
                f" THEN TRY_CAST(trim({v}) AS {c.duckdb_type}) END")
    if c.type == "int":
        return f"CASE WHEN regexp_full_match(trim({v}), {literal(_INTEGER)}) THEN TRY_CAST(trim({v}) AS BIGINT) END"
    if c.type in ("ts", "date"):
        t = f"TRY_CAST({v} AS {c.duckdb_type})"
        return f"CASE WHEN isfinite({t}) THEN {t} END"
    if c.type == "bool":
        return f"TRY_CAST({v} AS BOOLEAN)"
    raise ValueError(f"unknown contract type {c.type}")


def _bad_reason(c: Column, v: str) -> str:
    show = f"'bad {{}} for {c.name}: ''' || {v} || ''''"
    if c.type == "enum":
        return show.format("value") + f" || ' (expected {'|'.join(c.values)})'"
    if c.type in ("money2", "money6"):
        return show.format("decimal") + f" || ' (at most {c.type[-1]} decimals)'"
    return show.format(_KIND_WORD[c.type])


def _check_reason(c: Column) -> str:
    reason = c.check_reason or f"{c.name} fails {c.check}"
    return reason if reason.startswith(c.name) else f"{c.name} {reason}"


def typed_select(src: Source, raw_sql: str, raw_expr: str) -> str:
    """The one pass: typed contract columns, `_row`, `_reason` (first failing check, NULL for a good row) and `_raw` for bad rows only."""
    def v(c: Column) -> str:
        return ident("v." + c.name)  # the text, empty string as NULL

    def t(c: Column) -> str:
        return ident("t." + c.name)  # the typed value, NULL when the text does not parse

    texts = ", ".join(f"nullif({ident(c.name)}, '') AS {v(c)}" for c in src.columns)
    typed = ", ".join(f"{_typed(c, v(c))} AS {t(c)}" for c in src.columns)
    whens = []
    for c in src.columns:
        if c.required:
            whens.append(f"WHEN {v(c)} IS NULL THEN {literal('missing required value: ' + c.name)}")
        if c.type != "str":
            whens.append(f"WHEN {v(c)} IS NOT NULL AND {t(c)} IS NULL THEN {_bad_reason(c, v(c))}")
        if c.check:
            pred = re.sub(r"\bx\b", t(c), c.check)
            whens.append(f"WHEN {t(c)} IS NOT NULL AND NOT ({pred}) THEN {literal(_check_reason(c))}")
    reason = "CASE " + " ".join(whens) + " END"

    out = ", ".join(f"{t(c)} AS {ident(c.name)}" for c in src.columns)
    return f"""
        WITH s AS ({raw_sql}),
             v AS (SELECT s.*, {texts} FROM s),
             t AS (SELECT v.*, {typed} FROM v),
             c AS (SELECT t.*, {reason} AS _reason FROM t)
        SELECT {out}, _row, _reason,
               CASE WHEN _reason IS NOT NULL THEN {raw_expr} END AS _raw
        FROM c"""


# ---------------------------------------------------------------------------------------------
# loading one file


def load_file(con: duckdb.DuckDBPyConnection, lf: LandingFile, lake: Path, sha256: str,
              tz: str, stat: os.stat_result | None = None) -> LakeEntry:
    """Type one landing file into the lake (or find it there) and return its entry.

    `stat`: the file's stat taken before `sha256` was computed (default: now). Raises
    BadFileError naming the source and file when the file cannot be read, lacks a required
    column, or changed while it was being read."""
    src = SOURCES[lf.source]
    stem = stem_of(lf.file, sha256)
    part = Path(lake) / lf.source / f"dt={lf.dt.isoformat()}"
    entry_path = part / f"{stem}.json"
    if (found := read_entry(entry_path)) is not None:
        return found
    part.mkdir(parents=True, exist_ok=True)
    stat = stat or lf.path.stat()
    con.execute("SET TimeZone = $tz", {"tz": tz})  # naive timestamps are platform time
    p = str(lf.path)
    exact = None  # a JSONL file's rows: one exact parse gives them and the file's columns
    try:
        if lf.fmt in (".jsonl", ".jsonl.gz"):
            exact, present = _jsonl_exact(lf, [c.name for c in src.columns])
        else:
            present = _columns(con, lf)
    except (duckdb.Error, UnicodeDecodeError, OSError) as exc:
        raise BadFileError(f"{lf.source}: cannot read {lf.file}: {_first_line(exc)}") from None
    missing = [n for n in src.required if n not in present]
    if missing and not (exact is not None and exact.num_rows == 0):  # an empty JSONL file
        raise BadFileError(f"{lf.source}: {lf.file} lacks required column(s) {', '.join(missing)}")
    present = [n for n in present if n not in ("_row", "_raw")]

    pid = os.getpid()
    tmp_all = part / f".{stem}.{pid}.all.parquet"
    tmp_ok = part / f".{stem}.{pid}.parquet"
    tmp_bad = part / f".{stem}.{pid}.quarantine.parquet"
    try:
        try:
            if exact is not None:
                con.register(JSONL_VIEW, exact)
            typed = typed_select(src, *_raw_select(lf, src, present))
            con.execute(f"COPY ({typed}) TO {literal(str(tmp_all))} (FORMAT parquet)",
                        {"p": p} if "$p" in typed else {})
        except duckdb.Error as exc:
            raise BadFileError(f"{lf.source}: cannot read {lf.file}: {_first_line(exc)}") from None
        finally:
            if exact is not None:
                con.unregister(JSONL_VIEW)
        contract = ", ".join(ident(c.name) for c in src.columns)
        n_read, n_bad = con.execute("SELECT count(*), count(_reason) FROM read_parquet($t)",
                                    {"t": str(tmp_all)}).fetchone()
        con.execute(
            f"COPY (SELECT {contract}, $dt::DATE AS _dt, $file AS _file, _row"
            f" FROM read_parquet($t) WHERE _reason IS NULL) TO {literal(str(tmp_ok))} (FORMAT parquet)",
            {"t": str(tmp_all), "dt": lf.dt, "file": lf.file})
        if n_bad:
            con.execute(
                f"COPY (SELECT $source AS source, $dt::DATE AS dt, $file AS file, _row AS row_number,"
                f" _raw AS raw, _reason AS reason FROM read_parquet($t) WHERE _reason IS NOT NULL)"
                f" TO {literal(str(tmp_bad))} (FORMAT parquet)",
                {"t": str(tmp_all), "source": lf.source, "dt": lf.dt, "file": lf.file})
        st = lf.path.stat()
        if (st.st_size, st.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            raise BadFileError(f"{lf.source}: {lf.file} changed while it was being loaded; run again"
                               " once it is complete")
        entry = LakeEntry(
            source=lf.source, dt=lf.dt.isoformat(), file=lf.file, sha256=sha256, stem=stem,
            size=st.st_size, mtime_ns=st.st_mtime_ns, rows_read=n_read, rows_valid=n_read - n_bad,
            rows_bad=n_bad, loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        os.replace(tmp_ok, entry.parquet(lake))
        if n_bad:
            os.replace(tmp_bad, entry.quarantine(lake))
        write_atomic(entry_path, json.dumps(entry.to_dict(), indent=1))  # commits the load
        return entry
    finally:
        for t in (tmp_all, tmp_ok, tmp_bad):
            t.unlink(missing_ok=True)


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return " ".join(lines[:2])[:300] if lines else type(exc).__name__
