"""JSONL read exactly in Python: every value as text, numbers as written."""

from __future__ import annotations

import gzip
import json
import zlib
from decimal import Decimal

from core.errors import BadFileError
from core.sql import ident, literal
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


def empty_select(contract: list[str]) -> str:
    """The rows of a file of no bytes: none, in _jsonl_exact's columns (SQL, no Arrow import)."""
    cols = "".join(f", NULL::VARCHAR AS {ident(n)}" for n in contract)
    return f"SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS j{cols} WHERE false"


class ExactRead:
    """A JSONL file read exactly in Python, as a stream of Arrow batches of `_JSONL_CHUNK` rows
    (never the whole file in memory): `reader()` for DuckDB to scan; after the scan, `keys` (the
    keys of the file's objects, its columns) and `error` (the BadFileError that stopped it, which
    DuckDB reports only as its own error)."""

    def __init__(self, lf: LandingFile, contract: list[str]):
        self.lf, self.contract = lf, contract
        self.keys: set[str] = set()
        self.error: BadFileError | None = None

    def reader(self):
        import pyarrow as pa

        schema = pa.schema([("_row", pa.int64()), ("j", pa.string())]
                           + [(n, pa.string()) for n in self.contract])
        return pa.RecordBatchReader.from_batches(schema, self._batches(schema))

    def _batches(self, schema):
        try:
            yield from _jsonl_batches(self.lf, self.contract, schema, self.keys)
        except BadFileError as exc:
            self.error = exc
            raise


def _jsonl_batches(lf: LandingFile, contract: list[str], schema, keys: set):
    """The file's rows as text columns, every JSON number as written. DuckDB's and polars' JSON
    readers parse numbers into doubles (123456789012.123456 comes back ...12346), and money
    must never pass through a float. Blank lines are skipped; a line that is not JSON fails the
    file."""
    import pyarrow as pa

    buf, n = {k: [] for k in schema.names}, 0

    def flush():
        batch = pa.record_batch([buf[k] for k in schema.names], schema=schema)
        for v in buf.values():
            v.clear()
        return batch

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
                    yield flush()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise bad(f"{gzip_error(exc)} after line {lineno}") from None
    if buf["_row"]:
        yield flush()


def jsonl_native_select(contract: list[str], filename: bool = False) -> tuple[str, str, str]:
    """The fast exact read of a JSONL file ($p) by DuckDB's own JSON reader: SELECT _row, j
    (NULL: the original line of a bad row is fetched afterwards, original_lines), the contract
    columns as text; the raw expression; and the passthrough columns `_suspect` (a row this
    reader cannot vouch for) and `_present` (a bitmask of the contract columns with a value).

    A value is exact here only when it is a JSON string (or null): DuckDB's JSON functions turn
    numbers into doubles (123456789012.123456 comes back ...12346). So each contract column is
    read as JSON, a string is unquoted, and a row with a number, boolean, object or array for a
    contract column is `_suspect`. The reader itself fails a key given twice, a line that is not
    an object, a byte order mark, a line longer than the limit, bad gzip: any suspect row, any
    error, sends the whole file to _jsonl_batches, which reads numbers as written and names the
    line of a bad one. Logs that write money as strings, the common case, stay native.

    `filename`: $p is a list of files, read in one pass; `_row` numbers the rows of them all in
    turn and a passthrough column `filename` says whose row it is (commit.load_jsonl_files)."""
    cols = "{" + ", ".join(f"{literal(n)}: 'JSON'" for n in contract) + "}"
    scan = (f"read_json($p, format='newline_delimited', columns={cols},"
            f" maximum_object_size={MAX_LINE_BYTES - 1}, hive_partitioning=false"
            f"{', filename=true' if filename else ''})")
    # a string without an escape is its JSON text without the quotes (cheaper than parsing it):
    # substring by length, not the slice [2:-2], which costs 0.8 CPU-s more a million rows
    # (13 columns, measured on DuckDB 2.0; both count code points, so they cut alike)
    text = ", ".join(f"CASE WHEN contains({ident(n)}::VARCHAR, '\\') THEN {ident(n)}->>'$'"
                     f" ELSE substring({ident(n)}::VARCHAR, 2, length({ident(n)}::VARCHAR) - 2)"
                     f" END AS {ident(n)}" for n in contract)
    suspect = " OR ".join(f"NOT coalesce(starts_with({ident(n)}::VARCHAR, '\"'), true)"
                          for n in contract)
    present = " | ".join(f"CASE WHEN {ident(n)} IS NOT NULL THEN {1 << i} ELSE 0 END::BIGINT"
                         for i, n in enumerate(contract))
    also = ", filename" if filename else ""
    sql = (f"SELECT row_number() OVER () AS _row, NULL::VARCHAR AS j, {text},"
           f" ({suspect}) AS _suspect, ({present}) AS _present{also} FROM {scan}")
    return sql, "j", "_suspect, _present" + also


def original_lines(lf: LandingFile, rows: set[int]) -> dict[int, str]:
    """The original text of the given rows (numbered as _jsonl_batches numbers them: non-blank
    lines), row -> line: read once more, only for a file with bad rows, and only up to the last
    of them."""
    opener = gzip.open if lf.fmt.endswith(".gz") else open
    got: dict[int, str] = {}
    n = 0
    with opener(lf.path, "rb") as f:
        for raw in f:
            bare = raw.strip()
            if not bare or (not bare.isascii() and not raw.decode("utf-8").strip()):
                continue  # blank, as _jsonl_batches' str.strip() sees it (decoded only if need be)
            n += 1
            if n in rows:
                got[n] = raw.decode("utf-8").rstrip("\r\n")
                if len(got) == len(rows):
                    break
    return got
