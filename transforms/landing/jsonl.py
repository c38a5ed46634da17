"""JSONL read exactly in Python: every value as text, numbers as written."""

from __future__ import annotations

import gzip
import json
import zlib
from decimal import Decimal

from core.errors import BadFileError
from transforms.landing.diagnose import MAX_LINE_BYTES, gzip_error
from transforms.landing.discover import LandingFile

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


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list) -> dict:
    # json.loads keeps the last of a repeated key in silence; a CSV header naming a column twice
    # fails its file, and so does this (which one is meant cannot be known)
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def empty_table(contract: list[str]):
    """The rows of a file of no bytes: none, in _jsonl_exact's columns."""
    import pyarrow as pa

    return pa.table({"_row": pa.array([], pa.int64()), "j": pa.array([], pa.string()),
                     **{n: pa.array([], pa.string()) for n in contract}})


def _jsonl_exact(lf: LandingFile, contract: list[str]):
    """The file's rows as text columns, every JSON number as written, and the keys of its
    objects (its columns). DuckDB's and polars' JSON readers parse numbers into doubles
    (123456789012.123456 comes back ...12346), and money must never pass through a float.
    Blank lines are skipped; a line that is not JSON fails the file."""
    import pyarrow as pa

    schema = pa.schema([("_row", pa.int64()), ("j", pa.string())]
                       + [(n, pa.string()) for n in contract])
    batches, buf, n, keys = [], {k: [] for k in schema.names}, 0, set()

    def flush():
        batches.append(pa.record_batch([buf[k] for k in schema.names], schema=schema))
        for v in buf.values():
            v.clear()

    def bad(why: str) -> BadFileError:
        return BadFileError(f"{lf.source}: cannot read {lf.file}: {why}")

    opener = gzip.open if lf.fmt.endswith(".gz") else open
    lineno = 0
    try:
        with opener(lf.path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if len(raw) > MAX_LINE_BYTES:
                    raise bad(f"line {lineno} is longer than {MAX_LINE_BYTES:,} bytes")
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a UTF-8 byte order mark, accepted as in CSV
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise bad(f"line {lineno} is not UTF-8 (byte 0x{raw[exc.start]:02x} at"
                              f" column {exc.start + 1})") from None
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line, parse_float=_plain_decimal, parse_int=str,
                                     parse_constant=str, object_pairs_hook=_no_duplicate_keys)
                except _DuplicateKey as exc:
                    raise bad(f"line {lineno} gives key {exc} twice") from None
                except json.JSONDecodeError as exc:
                    raise bad(f"line {lineno} is not JSON ({exc.msg})") from None
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
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise bad(f"{gzip_error(exc)} after line {lineno}") from None
    if buf["_row"] or not batches:
        flush()
    return pa.Table.from_batches(batches, schema=schema), sorted(keys)
