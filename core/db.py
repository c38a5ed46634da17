"""DuckDB connections and the audit context every transform runs in.

Every connection compares times in UTC, knows the platform time zone and the run's "now"
(the end of the business date, rules.md §6), and has the exact-money macros of
`core/macros.sql`. DuckDB turns DECIMAL / DECIMAL into DOUBLE and rounds half away from
zero, so money is never divided and is rounded only with those macros.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from core.config import Config, rule_params

MACROS = Path(__file__).resolve().parent / "macros.sql"
# Analysts open the warehouse with the duckdb CLI from PyPI (1.5.x); files written by
# duckdb 2.0 are readable there only with this storage version.
STORAGE_VERSION = "v1.5.0"


@dataclass(frozen=True)
class AuditContext:
    """What a run is about: the business date, its "now", and the settings."""

    business_date: dt.date
    config: Config = field(default_factory=Config)

    @property
    def tz(self) -> str:
        return self.config.platform.timezone

    @property
    def now(self) -> dt.datetime:
        """The end of the business date: the next midnight in the platform time zone, in UTC."""
        nxt = dt.datetime.combine(self.business_date + dt.timedelta(days=1), dt.time(),
                                  ZoneInfo(self.tz))
        return nxt.astimezone(dt.UTC)

    def params(self) -> dict[str, object]:
        """Named parameters a rule's SQL may bind: $now, $business_date, $tz and every setting."""
        return {
            "now": self.now,
            "business_date": self.business_date,
            "tz": self.tz,
            "trial_days": self.config.balance.trial_days,
            **rule_params(self.config),
        }


def prepare(con: duckdb.DuckDBPyConnection, ctx: AuditContext) -> duckdb.DuckDBPyConnection:
    """Set UTC, the run's variables and the money macros on a connection."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET memory_limit = $m", {"m": ctx.config.duckdb.memory_limit})
    if ctx.config.duckdb.temp_directory:  # else DuckDB's default, beside the database file
        con.execute("SET temp_directory = $t", {"t": ctx.config.duckdb.temp_directory})
    con.execute("SET VARIABLE tz = $tz", {"tz": ctx.tz})
    con.execute("SET VARIABLE now = $now::TIMESTAMPTZ", {"now": ctx.now})
    con.execute("SET VARIABLE business_date = $d::DATE", {"d": ctx.business_date})
    con.execute("SET VARIABLE trial_days = $n::INTEGER", {"n": ctx.config.balance.trial_days})
    # a rule computed by day reads its records from here on (transforms/rules: `days:`)
    con.execute("SET VARIABLE recompute_from = '-infinity'::TIMESTAMPTZ")
    con.execute(MACROS.read_text(encoding="utf-8"))
    return con


def connect(path: str | Path | None, ctx: AuditContext, *, read_only: bool = False,
            new: bool = False) -> duckdb.DuckDBPyConnection:
    """A prepared connection; `path=None` is in memory. `new` writes a file analysts can open."""
    if path is None:
        con = duckdb.connect(":memory:")
    elif new:
        con = duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION})
    else:
        con = duckdb.connect(str(path), read_only=read_only)
    return prepare(con, ctx)
