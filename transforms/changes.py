"""What changed since the published night, so a night can recompute from the first day whose
inputs changed and carry what lies before it (issue 10: "a late file or partition for an
earlier day k recomputes from day k").

`since(con, ctx, lake, "prev")` compares tonight's lake manifest (`meta.lake_files`, written by
staging) with the published warehouse attached as `prev`. Nothing is carried (`full` is true,
with the reason) on the first night, on a re-run of the published date or an earlier one, when
a file published before is no longer in tonight's manifest, when the settings or the audit's
code differ from the published night's (`fingerprint`), or when a new file changes which copy of
an earlier record staging keeps (its duplicates and conflicts are judged over every file).

Otherwise `from_date(inputs)` is the first business date a consumer must recompute: the day
after the published night (records stamped at or after its "now" are new tonight even in old
files), or the earliest business date of a time column named in `inputs` over the rows of
tonight's new files that staging keeps, if earlier (a late file; a re-delivered copy of an
earlier record is dropped by staging and changes nothing). A consumer names the columns at which its
records take effect (usage `started_at`, prices `effective_from`, ...), not attribute dates
such as `registered_at` or `birth_date`, and carries only results of dates before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import duckdb

from core.db import AuditContext
from core.sql import ident, literal
from transforms.landing.read import exact_path
from transforms.sources import SOURCES

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# the code whose results a night carries: a change to any of it recomputes everything once
CODE = ("core", "transforms")
# and the libraries that compute them (DuckDB's SQL, splink's identity scores)
LIBRARIES = ("duckdb", "splink")


def fingerprint(ctx: AuditContext) -> str:
    """A hash of the settings, of the audit's code (core/, transforms/: SQL and Python) and of
    the versions of its computing libraries."""
    h = hashlib.sha256(ctx.config.model_dump_json().encode())
    for dist in LIBRARIES:
        h.update(f"{dist}=={version(dist)}".encode())
    for top in CODE:
        for p in sorted((ROOT / top).rglob("*")):
            if p.suffix in (".sql", ".py", ".json", ".yaml") and p.is_file():
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Changes:
    """What tonight may carry from the published warehouse (attached as `previous`)."""

    previous: str | None  # the catalog of the published warehouse, None: nothing to carry
    published_date: dt.date | None
    reason: str  # why everything is recomputed, or "" when something may be carried
    new_files: dict[str, list[str]] = field(default_factory=dict)  # source -> lake parquet paths
    con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False, compare=False)
    # (source, time column) -> the first business date of the new files' kept rows in it: read
    # once a night (several consumers read usage.started_at: 0.5 s a scan of 10 M new rows)
    _firsts: dict[tuple[str, str], dt.date | None] = field(
        default_factory=dict, repr=False, compare=False)

    @property
    def full(self) -> bool:
        return bool(self.reason)

    def carry_from(self, con: duckdb.DuckDBPyConnection, table: str,
                   inputs: dict[str, tuple[str, ...]]) -> dt.date | None:
        """`from_date(inputs)` for a table (`schema.name`) that keeps its published rows of
        earlier dates; None also when the published warehouse (attached on `con`) has no such
        table."""
        first = self.from_date(inputs)
        if first is None or not _has(con, self.previous, *table.split(".", 1)):
            return None
        return first

    def from_date(self, inputs: dict[str, tuple[str, ...]]) -> dt.date | None:
        """The first business date to recompute for a consumer reading `inputs` (source ->
        the time columns at which its records take effect); None: recompute everything."""
        if self.full:
            return None
        first = self.published_date + dt.timedelta(days=1)
        for source, columns in inputs.items():
            for column in columns:
                if (got := self._first_date(source, column)) is not None and got < first:
                    first = got
        return first

    def _first_date(self, source: str, column: str) -> dt.date | None:
        """The first business date in `column` of the rows of `source`'s new files that staging
        keeps (None: no new file, or no such row), read once a night."""
        key = (source, column)
        if key not in self._firsts:
            paths = self.new_files.get(source)
            first = None
            if paths:
                scan = ("read_parquet([" + ", ".join(literal(p) for p in paths) + "],"
                        " union_by_name=true)")
                # a later copy of a record staging drops (a duplicate or conflict) changes nothing
                kept = (f"FROM {scan} f ANTI JOIN (SELECT file, row_number FROM meta.excluded_rows"
                        f" WHERE source = $s) x ON x.file = f._file AND x.row_number = f._row")
                col = ident(column)
                if SOURCES[source].column(column).type == "ts":
                    # the business date of each distinct whole second, not of each row (a time
                    # zone's offsets and transitions are whole seconds, so an instant's date is
                    # its second's): 10 M calls take 86,400 conversions, not 10 M (1.9 -> 0.9 s)
                    sec = f"epoch_us({col}) - (epoch_us({col}) % 1000000 + 1000000) % 1000000"
                    sql = (f"SELECT min(biz_date(to_timestamp(s // 1000000)))"
                           f" FROM (SELECT DISTINCT {sec} AS s {kept})")
                else:
                    sql = f"SELECT min(biz_date({col})) {kept}"
                first = self.con.execute(sql, {"s": source}).fetchone()[0]
            self._firsts[key] = first
        return self._firsts[key]


def full(reason: str) -> Changes:
    return Changes(None, None, reason)


def published_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str) -> str | None:
    """The fingerprint the published warehouse attached as `catalog` was built with (None
    before warehouses recorded one)."""
    if not _has(con, catalog, "meta", "run", "fingerprint"):
        return None
    return con.execute(f"SELECT max(fingerprint) FROM {catalog}.meta.run").fetchone()[0]


def since(con: duckdb.DuckDBPyConnection, ctx: AuditContext, lake: Path,
          previous: str | None, printed: str | None = None) -> Changes:
    """Tonight's changes against the published warehouse attached as catalog `previous`;
    `printed`: tonight's fingerprint, if the caller already has it."""
    changes = _since(con, ctx, Path(lake), previous, printed or fingerprint(ctx))
    if changes.full:
        log.info("recomputing every day: %s", changes.reason)
    else:
        log.info("carrying the published night %s; new files: %s", changes.published_date,
                 ", ".join(f"{s} {len(p)}" for s, p in sorted(changes.new_files.items())) or "none")
    return changes


def _has(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str,
         column: str | None = None) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = $c AND schema_name = $s"
        " AND table_name = $t AND ($col IS NULL OR column_name = $col)",
        {"c": catalog, "s": schema, "t": table, "col": column}).fetchone()[0])


def _since(con: duckdb.DuckDBPyConnection, ctx: AuditContext, lake: Path,
           previous: str | None, printed: str) -> Changes:
    if previous is None:
        return full("no published night")
    published_print = published_fingerprint(con, previous)
    if published_print is None:
        return full("the published night records no fingerprint of its settings and code")
    published = con.execute(f"SELECT max(business_date) FROM {previous}.meta.run").fetchone()[0]
    if published >= ctx.business_date:
        return full(f"a re-run: the published night is {published}")
    if published_print != printed:
        return full("the settings or the audit's code changed since the published night")
    gone = con.execute(f"""
        SELECT count(*) FROM {previous}.meta.lake_files p
        ANTI JOIN meta.lake_files t USING (source, dt, file, sha256)""").fetchone()[0]
    if gone:
        return full(f"{gone} files of the published night are not in tonight's manifest")
    old_excluded = f"""
        SELECT source, file, row_number, kind FROM meta.excluded_rows
        SEMI JOIN {previous}.meta.lake_files USING (source, file)"""
    moved = con.execute(f"""
        SELECT count(*) FROM (({old_excluded}) EXCEPT
                              (SELECT source, file, row_number, kind FROM {previous}.meta.excluded_rows))
        """).fetchone()[0]
    if moved:
        return full("a new file changes which copy of an earlier record is kept")
    new_files: dict[str, list[str]] = {}
    for source, dt_, stem in con.execute(f"""
            SELECT source, strftime(dt, '%Y-%m-%d'), stem FROM meta.lake_files t
            ANTI JOIN {previous}.meta.lake_files USING (source, dt, file)
            WHERE t.rows_valid > 0 ORDER BY ALL""").fetchall():
        path = lake / source / f"dt={dt_}" / f"{stem}.parquet"
        new_files.setdefault(source, []).append(exact_path(path.resolve()))
    return Changes(previous, published, "", new_files, con)
