"""JSONL read exactly in Python: every value as text, numbers as written."""

from __future__ import annotations

import json
from decimal import Decimal

from core.errors import BadFileError
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
