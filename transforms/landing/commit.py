"""Loading one landing file into the lake: typed rows, quarantined rows and the entry, each written under a temporary name and renamed; the entry last."""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from pathlib import Path

import duckdb

from core.errors import BadFileError
from core.sql import ident, literal
from transforms.landing.diagnose import clean, csv_problem, gzip_error
from transforms.landing.discover import LandingFile
from transforms.landing.entry import LakeEntry, read_entry, write_atomic
from transforms.landing.fingerprint import stem_of
from transforms.landing.jsonl import (
    JSONL_VIEW,
    ExactRead,
    empty_select,
    jsonl_native_select,
    original_lines,
)
from transforms.landing.read import _columns, _raw_select, exact_path
from transforms.landing.typed import typed_select
from transforms.sources import SOURCES


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
    p = exact_path(lf.path)  # this one file, never a pattern
    exact = None  # the rows of a file of no bytes
    jsonl = lf.fmt in (".jsonl", ".jsonl.gz") and stat.st_size > 0  # columns known once read
    present: list[str] = []
    try:
        if stat.st_size == 0:
            exact = empty_select([c.name for c in src.columns])  # no bytes, no rows: the same in every format
        elif not jsonl:
            present = _columns(con, lf)
            _require(lf, present, rows=1)
    except (duckdb.Error, UnicodeDecodeError, OSError, EOFError, zlib.error, ValueError) as exc:
        raise _unreadable(lf, exc) from None
    present = [n for n in present if n not in ("_row", "_raw")]

    # the typed rows are held in a temp table of this connection (spilled to the temp directory
    # past the memory limit), not written to a scratch parquet file and read back twice
    try:
        raws = None  # the original lines of a natively read JSONL file's bad rows
        if jsonl:
            raws = _copy_jsonl(con, lf, p)
        else:
            try:
                if exact is not None:
                    con.execute(f"CREATE OR REPLACE TEMP VIEW {JSONL_VIEW} AS {exact}")
                typed = typed_select(src, *_raw_select(lf, src, present, exact is not None))
                con.execute(f"CREATE OR REPLACE TEMP TABLE {TYPED} AS {typed}",
                            {"p": p} if "$p" in typed else {})
            except duckdb.Error as exc:
                raise _unreadable(lf, exc) from None
            finally:
                if exact is not None:
                    con.execute(f"DROP VIEW IF EXISTS {JSONL_VIEW}")
        return _commit(con, lf, lake, sha256, stat, raws)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {TYPED}")


def _commit(con: duckdb.DuckDBPyConnection, lf: LandingFile, lake: Path, sha256: str,
            stat: os.stat_result, raws) -> LakeEntry:
    """Write the file's typed rows (the temp table TYPED) to the lake: valid rows, quarantined
    rows, then the entry, each under a temporary name and renamed; the entry last."""
    src = SOURCES[lf.source]
    stem = stem_of(lf.file, sha256)
    part = Path(lake) / lf.source / f"dt={lf.dt.isoformat()}"
    part.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    tmp_ok = part / f".{stem}.{pid}.parquet"
    tmp_bad = part / f".{stem}.{pid}.quarantine.parquet"
    try:
        contract = ", ".join(ident(c.name) for c in src.columns)
        n_read, n_bad = con.execute(f"SELECT count(*), count(_reason) FROM {TYPED}").fetchone()
        con.execute(
            f"COPY (SELECT {contract}, $dt::DATE AS _dt, $file AS _file, _row"
            f" FROM {TYPED} WHERE _reason IS NULL) TO {literal(str(tmp_ok))} (FORMAT parquet)",
            {"dt": lf.dt, "file": lf.file})
        if n_bad:
            raw = "_raw"
            if raws is not None:
                got = raws([r for (r,) in con.execute(
                    f"SELECT _row FROM {TYPED} WHERE _reason IS NOT NULL").fetchall()])
                # bound as two lists, not registered as Arrow (which imports pandas, 1.5 s)
                con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW_VIEW} AS"
                            " SELECT unnest($rows::BIGINT[]) AS _row, unnest($lines::VARCHAR[]) AS raw",
                            {"rows": list(got), "lines": list(got.values())})
                raw = f"(SELECT r.raw FROM {RAW_VIEW} r WHERE r._row = t._row)"
            try:
                con.execute(
                    f"COPY (SELECT $source AS source, $dt::DATE AS dt, $file AS file,"
                    f" _row AS row_number, {raw} AS raw, _reason AS reason FROM {TYPED} t"
                    f" WHERE _reason IS NOT NULL ORDER BY _row) TO {literal(str(tmp_bad))} (FORMAT parquet)",
                    {"source": lf.source, "dt": lf.dt, "file": lf.file})
            finally:
                if raws is not None:
                    con.execute(f"DROP TABLE IF EXISTS {RAW_VIEW}")
        st = lf.path.stat()
        if signature(st) != signature(stat):
            raise BadFileError(f"{lf.source}: {lf.file} changed while it was being loaded; run again"
                               " once it is complete")
        entry = LakeEntry(
            source=lf.source, dt=lf.dt.isoformat(), file=lf.file, sha256=sha256, stem=stem,
            size=st.st_size, mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns, inode=st.st_ino,
            rows_read=n_read, rows_valid=n_read - n_bad,
            rows_bad=n_bad, loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        os.replace(tmp_ok, entry.parquet(lake))
        if n_bad:
            os.replace(tmp_bad, entry.quarantine(lake))
        write_atomic(part / f"{stem}.json", json.dumps(entry.to_dict(), indent=1))  # commits the load
        return entry
    finally:
        for t in (tmp_ok, tmp_bad):
            t.unlink(missing_ok=True)


BATCH = "_typed_batch"  # a temp table of the connection: the typed rows of several JSONL files


def load_jsonl_files(con: duckdb.DuckDBPyConnection, lfs: list[LandingFile], lake: Path,
                     shas: list[str], tz: str, stats: list[os.stat_result]) -> list[LakeEntry | None]:
    """Type several JSONL files of one source in one native pass (DuckDB plans the long typing
    SELECT once, not once a file: ~10 ms a file), then write each file's lake files as
    load_file does. Returns each file's entry, or None for a file this pass cannot vouch for
    (an unreadable file in the batch, a JSON number, a required column with no value, a file
    of no rows): the caller loads that one alone with load_file, which reads it exactly or
    names its problem."""
    src = SOURCES[lfs[0].source]
    contract = [c.name for c in src.columns]
    out: list[LakeEntry | None] = [None] * len(lfs)
    con.execute("SET TimeZone = $tz", {"tz": tz})
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCH} AS"
                    f" {typed_select(src, *jsonl_native_select(contract, filename=True))}",
                    {"p": [exact_path(lf.path) for lf in lfs]})
        per_file = con.execute(
            f"SELECT filename, min(_row), max(_row), count(*), count(*) FILTER (_suspect),"
            f" bit_or(_present) FROM {BATCH} GROUP BY filename").fetchall()
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {BATCH}")
        return out  # each file alone: its own reader names the problem
    at = {str(lf.path): i for i, lf in enumerate(lfs)}
    try:
        for name, first, last, n, suspect, mask in per_file:
            i = at.get(name)
            if (i is None or suspect or last - first + 1 != n  # a file's rows not in one run
                    or not _gives_required(src, contract, mask)):
                continue
            lf = lfs[i]
            try:
                # a view, not a copy: _commit reads the file's rows twice (counts, then COPY),
                # cheaper from the batch than copying them first (a view binds no parameters)
                con.execute(f"CREATE OR REPLACE TEMP VIEW {TYPED} AS SELECT * EXCLUDE (_row, filename),"
                            f" _row - {int(first)} + 1 AS _row FROM {BATCH}"
                            f" WHERE filename = {literal(name)}")
                out[i] = _commit(con, lf, lake, shas[i], stats[i],
                                 lambda rows, lf=lf: original_lines(lf, set(rows)))
            finally:
                con.execute(f"DROP VIEW IF EXISTS {TYPED}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {BATCH}")
    return out


def _gives_required(src, contract: list[str], mask: int | None) -> bool:
    """Whether a native read's rows give every required column a value somewhere: `mask` is the
    bit_or of the rows' `_present` bits (bit i: contract column i has a value)."""
    present = {c for i, c in enumerate(contract) if (mask or 0) >> i & 1}
    return all(r in present for r in src.required)


def _require(lf: LandingFile, present: list[str], rows: int) -> None:
    """A file with rows must give every required column (a file of no rows has no columns)."""
    missing = [n for n in SOURCES[lf.source].required if n not in present]
    if missing and rows:
        raise BadFileError(f"{lf.source}: {lf.file} lacks required column(s) {', '.join(missing)}")


RAW_VIEW = "_jsonl_raw"
TYPED = "_typed"  # a temp table of the connection: the typed rows of the file being loaded


def _copy_jsonl(con: duckdb.DuckDBPyConnection, lf: LandingFile, p: str):
    """Type a JSONL file into the temp table TYPED: natively in DuckDB when every contract value
    is a JSON string or null (jsonl_native_select), else exactly in Python, streamed in batches.
    Returns, for a native read, how to fetch its bad rows' original lines (from their `_row`s)."""
    src = SOURCES[lf.source]
    contract = [c.name for c in src.columns]
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {TYPED} AS"
                    f" {typed_select(src, *jsonl_native_select(contract))}", {"p": p})
        n, suspect, mask = con.execute(
            f"SELECT count(*), count(*) FILTER (_suspect), bit_or(_present) FROM {TYPED}").fetchall()[0]
        # a required column with no value in any row: absent (the file fails) or null in every
        # row (each row is quarantined); only the exact reader tells these apart
        if not suspect and (not n or _gives_required(src, contract, mask)):
            return lambda rows: original_lines(lf, set(rows))
    except duckdb.Error:
        pass  # read again in Python, which keeps numbers as written and names a bad line
    exact = ExactRead(lf, contract)
    con.register(JSONL_VIEW, exact.reader())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {TYPED} AS"
                    f" {typed_select(src, *_raw_select(lf, src, [], True))}")
    except Exception as exc:  # DuckDB wraps what the batch reader raised in its own error
        if exact.error is not None:
            raise exact.error from None
        if isinstance(exc, (duckdb.Error, OSError)):
            raise _unreadable(lf, exc) from None
        raise
    finally:
        con.unregister(JSONL_VIEW)
    n = con.execute(f"SELECT count(*) FROM {TYPED}").fetchall()[0][0]
    _require(lf, sorted(exact.keys), n)
    return None


def signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is unchanged without reading it. `touch -r` restores the mtime, but the
    ctime is set by the kernel on every write and cannot be set back by a user; a file replaced
    by a rename has a new inode."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _unreadable(lf: LandingFile, exc: BaseException) -> BadFileError:
    """One line: source, file, the line where there is one, and why in words. Never DuckDB's
    SQL text, never a quoted line of the file."""
    why = gzip_error(exc)
    if why is None and isinstance(exc, UnicodeDecodeError):
        why = "not UTF-8"
    if why is None and lf.fmt in (".csv", ".csv.gz"):
        try:
            why = csv_problem(lf.path, lf.fmt.endswith(".gz"))
        except (OSError, EOFError, zlib.error, UnicodeDecodeError):
            why = None
    if why is None:
        why = clean(str(exc)) if isinstance(exc, duckdb.Error) else (str(exc) or type(exc).__name__)
    return BadFileError(f"{lf.source}: cannot read {lf.file}: {why}")
