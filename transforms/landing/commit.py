"""Loading one landing file into the lake: typed rows, quarantined rows and the entry, each written under a temporary name and renamed; the entry last."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb

from core.errors import BadFileError
from core.sql import ident, literal
from transforms.landing.discover import LandingFile
from transforms.landing.entry import LakeEntry, read_entry, write_atomic
from transforms.landing.fingerprint import stem_of
from transforms.landing.jsonl import JSONL_VIEW, _jsonl_exact
from transforms.landing.read import _columns, _raw_select
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
