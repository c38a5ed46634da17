"""Reading every format as text: a file's columns, and the SELECT of its rows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from core.errors import BadFileError
from core.sql import ident
from transforms.landing.diagnose import csv_header, duplicated, parquet_columns
from transforms.landing.discover import LandingFile
from transforms.landing.jsonl import JSONL_VIEW
from transforms.sources import Source


def exact_path(path: Path | str) -> str:
    """A path DuckDB's readers take as this one file: they read `[`, `*` and `?` as a glob
    pattern (t[1].csv would read t1.csv), so each is escaped as a one-character class."""
    return re.sub(r"([\[*?])", r"[\1]", str(path))


def _columns(con: duckdb.DuckDBPyConnection, lf: LandingFile) -> list[str]:
    """A CSV or parquet file's column names (a JSONL file's come from _jsonl_exact). A name
    given twice fails the file: which of the two is meant cannot be known."""
    if lf.fmt in (".csv", ".csv.gz"):
        names = csv_header(lf.path, lf.fmt.endswith(".gz"))
    else:
        names = parquet_columns(lf.path)
    if (dup := duplicated(names)) is not None:
        raise BadFileError(f"{lf.source}: cannot read {lf.file}: the header names column {dup}"
                           " twice")
    if lf.fmt == ".parquet":
        return names
    sql = f"DESCRIBE SELECT * FROM {_csv()}"
    return [r[0] for r in con.execute(sql, {"p": exact_path(lf.path)}).fetchall()]


def _csv() -> str:
    # the dialect is fixed, not sniffed: a comma file with quotes "..." and a header line
    return ("read_csv($p, all_varchar=true, header=true, delim=',', quote='\"', escape='\"',"
            " null_padding=false, strict_mode=true, hive_partitioning=false)")



def _raw_select(lf: LandingFile, src: Source, present: list[str],
                in_python: bool = False) -> tuple[str, str]:
    """SELECT _row, the file's columns as text (contract columns the file lacks as NULL); and
    the expression of a row's original text as JSON, evaluated for bad rows only."""
    contract = [c.name for c in src.columns]
    if in_python or lf.fmt in (".jsonl", ".jsonl.gz"):
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
