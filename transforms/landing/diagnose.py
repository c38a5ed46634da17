"""Why a landing file cannot be read, in words, with the line: asked only after a reader failed.

DuckDB's and the decompressors' messages name no file or quote a line of the file (which must
not travel into e-mails) or carry SQL text. When a read fails, the file is scanned once more in
Python for the first problem a person can fix: truncated or corrupt gzip, bytes that are not
UTF-8, a line longer than the reader accepts, a header naming a column twice, a row with the
wrong number of fields, a parquet file that is not complete. The failing path pays for this scan;
a file that reads is never scanned twice.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

MAX_LINE_BYTES = 2_097_152  # DuckDB's read_csv max_line_size; JSONL lines are held to it too


def gzip_error(exc: BaseException) -> str | None:
    """The words for a decompression failure, None if `exc` is not one."""
    if isinstance(exc, EOFError):
        return "truncated gzip (the compressed data ends early)"
    if isinstance(exc, (gzip.BadGzipFile, zlib.error)):
        return "corrupt gzip (not gzip data, or damaged)"
    return None


def _lines(path: Path, gz: bool) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if gz else open
    with opener(path, "rb") as fh:
        yield from enumerate(fh, 1)


def first_text_problem(path: Path, gz: bool) -> str | None:
    """The first gzip, UTF-8 or line-length problem of a text file, as 'line N: why'."""
    try:
        for n, line in _lines(path, gz):
            if len(line) > MAX_LINE_BYTES:
                return f"line {n} is longer than {MAX_LINE_BYTES:,} bytes"
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"line {n} is not UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1})"
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        return gzip_error(exc) or f"cannot be read ({type(exc).__name__})"
    return None


def csv_problem(path: Path, gz: bool) -> str | None:
    """The first problem of a CSV file (comma, double quotes, a header line), or None."""
    if (text := first_text_problem(path, gz)) is not None:
        return text
    opener = gzip.open if gz else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return None
            if (dup := duplicated(header)) is not None:
                return f"the header names column {dup} twice"
            for row in reader:
                if row and len(row) != len(header):
                    return (f"line {reader.line_num} has {len(row)} field(s), the header has"
                            f" {len(header)}")
        except csv.Error as exc:
            return f"line {reader.line_num} is not valid CSV ({exc})"
    return None


def csv_header(path: Path, gz: bool) -> list[str]:
    """A CSV file's header fields, read in Python (DuckDB renames a repeated name)."""
    opener = gzip.open if gz else open
    with opener(path, "rb") as fh:
        first = fh.readline(MAX_LINE_BYTES + 1)
    text = first.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def parquet_columns(path: Path) -> list[str]:
    """A parquet file's column names from its footer; raises ValueError saying why not."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise ValueError("not a complete parquet file (truncated, or not parquet)") from exc


def duplicated(names: list[str]) -> str | None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            return n
        seen.add(n)
    return None


_SQL_TEXT = re.compile(r"\bLINE \d+:|\bSELECT\b|read_(csv|parquet)\(", re.IGNORECASE)


def clean(message: str) -> str:
    """A reader's message cut to its first line, without SQL text or quoted file content."""
    first = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    first = first.split("Original Line:")[0]
    if _SQL_TEXT.search(first):
        first = first[:_SQL_TEXT.search(first).start()]
    return first.strip(" :|")[:200] or "unreadable"
