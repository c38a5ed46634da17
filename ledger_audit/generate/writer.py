"""Writing the landing zone: contract columns as text, five formats, deterministic bytes.

Every value is written as text in every format (money like "12.30", exact; timestamps ISO-8601,
mostly with +08:00, some in Z, a few naive = platform time). Files go to
`<out>/<source>/dt=YYYY-MM-DD/part-NNN.<ext>`; the format rotates over sources, partitions and
files. gzip members carry mtime 0 and no file name, so the same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ledger_audit.generate.common import TZ_NAME, mix64
from transforms.sources import FORMATS, SOURCES

SOURCE_ORDER = list(SOURCES)
EXTRA_COLUMN = "ingest_batch"


@dataclass
class WrittenFile:
    source: str
    file: str  # path below the landing zone
    fmt: str
    rows_read: int
    rows_duplicate: int = 0
    rows_quarantined: int = 0


def _ts_text(col: pl.Expr, style: pl.Expr, frac: str) -> pl.Expr:
    utc = pl.from_epoch(col, time_unit="us").dt.replace_time_zone("UTC")
    loc = utc.dt.convert_time_zone(TZ_NAME)
    return (
        pl.when(col.is_null())
        .then(pl.lit(None, pl.Utf8))
        .when(style == 0)
        .then(loc.dt.strftime(f"%Y-%m-%dT%H:%M:%S{frac}%:z"))
        .when(style == 1)
        .then(utc.dt.strftime(f"%Y-%m-%dT%H:%M:%S{frac}Z"))
        .otherwise(loc.dt.strftime(f"%Y-%m-%dT%H:%M:%S{frac}"))
    )


def money_text(col: pl.Expr, decimals: int) -> pl.Expr:
    """micro-yuan int -> exact decimal text with `decimals` places (values must fit)."""
    a = col.abs()
    ip = (a // 1_000_000).cast(pl.Utf8)
    frac = ((a % 1_000_000) // (10 ** (6 - decimals))).cast(pl.Utf8).str.zfill(decimals)
    sign = pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(col.is_null()).then(pl.lit(None, pl.Utf8)).otherwise(sign + ip + "." + frac)


def to_text(source: str, df: pl.DataFrame, salt: int) -> pl.DataFrame:
    """The contract's columns of `df` (internal types) as text columns, in contract order."""
    src = SOURCES[source]
    n = df.height
    r = mix64(np.arange(n, dtype=np.uint64), salt) % np.uint64(100)
    # 90 % +08:00, 8 % Z, 2 % naive
    style = pl.Series("_style", np.where(r < 90, 0, np.where(r < 98, 1, 2)).astype(np.int8))
    df = df.with_columns(style)
    exprs = []
    for c in src.columns:
        col = pl.col(c.name)
        if c.type == "ts":
            v = df[c.name].drop_nulls().to_numpy()
            frac = (
                "" if (v % 1_000_000 == 0).all() else ("%.3f" if (v % 1000 == 0).all() else "%.6f")
            )
            e = _ts_text(col, pl.col("_style"), frac)
        elif c.type == "money2":
            e = money_text(col, 2)
        elif c.type == "money6":
            e = money_text(col, 6)
        elif c.type == "bool":
            e = (
                pl.when(col.is_null())
                .then(pl.lit(None, pl.Utf8))
                .when(col)
                .then(pl.lit("true"))
                .otherwise(pl.lit("false"))
            )
        elif c.type == "date":
            e = col.dt.strftime("%Y-%m-%d")
        else:
            e = col.cast(pl.Utf8)
        exprs.append(e.alias(c.name))
    return df.select(exprs)


def encode(df: pl.DataFrame, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt.startswith(".csv"):
        df.write_csv(buf)
    elif fmt.startswith(".jsonl"):
        df.write_ndjson(buf)
    else:
        df.write_parquet(buf, compression="zstd", statistics=False)
        return buf.getvalue()
    data = buf.getvalue()
    if fmt.endswith(".gz"):
        out = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=1) as gz:
            gz.write(data)
        return out.getvalue()
    return data


def write_source(
    out: Path,
    source: str,
    df: pl.DataFrame | Callable[[np.ndarray], pl.DataFrame],
    part_dates: np.ndarray,
    days: list[dt.date],
    files_per_partition,
    fmt: str | None = None,
) -> list[WrittenFile]:
    """Write one source; `part_dates` holds each row's partition index into `days`.

    `df` is the source's frame, or a function giving the frame of the given row numbers: then
    only one partition's rows are ever built at a time (usage, the largest source). `fmt` fixes
    every file's format (else it rotates over FORMATS)."""
    take = df if callable(df) else (lambda rows: df[rows])
    si = SOURCE_ORDER.index(source)
    written: list[WrittenFile] = []
    order = np.argsort(part_dates, kind="stable")
    pd_sorted = part_dates[order]
    bounds = np.searchsorted(pd_sorted, np.arange(len(days) + 1))
    for pi, day in enumerate(days):
        lo, hi = bounds[pi], bounds[pi + 1]
        if lo == hi:
            continue
        rows = order[lo:hi]
        text = to_text(source, take(rows), salt=si * 1000 + pi)
        k = max(1, min(files_per_partition(pi), len(rows)))
        cuts = np.linspace(0, len(rows), k + 1).astype(np.int64)
        for fi in range(k):
            part = text[int(cuts[fi]) : int(cuts[fi + 1])]
            ext = fmt or FORMATS[(si + pi + fi) % len(FORMATS)]
            if (si + pi + fi) % 4 == 1:
                part = part.with_columns(pl.lit(f"b{pi:03d}{fi}").alias(EXTRA_COLUMN))
            rel = f"{source}/dt={day.isoformat()}/part-{fi:03d}{ext}"
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode(part, ext))
            written.append(WrittenFile(source, rel, ext, part.height))
    return written


def write_raw(
    out: Path, source: str, day: dt.date, name: str, rows: list[dict], fmt: str
) -> WrittenFile:
    """A hand-made file of text rows (loader cases); columns in contract order."""
    cols = [c.name for c in SOURCES[source].columns]
    df = pl.DataFrame(
        [{c: r.get(c) for c in cols} for r in rows], schema={c: pl.Utf8 for c in cols}
    )
    rel = f"{source}/dt={day.isoformat()}/{name}{fmt}"
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(df, fmt))
    return WrittenFile(source, rel, fmt, len(rows))
