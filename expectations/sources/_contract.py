"""Source suites derived from the input contract (transforms/sources.py), not retyped.

From the contract, at level fail (the loader must already have quarantined such rows, so a
failure here is a loader bug): required columns not null and not empty text, enum columns in
their set, the contract's row checks (`x > 0`, `x >= 0`). Key uniqueness across every partition
is a SQL check (fail). At level warn: the event time is not more than a day after the
partition's business date. Each source's module adds its own warn checks.
"""

from __future__ import annotations

from collections.abc import Callable

from core.sql import ident
from expectations.base import FAIL, GX_FAIL, GX_WARN, TableSuite, gx_expectations, key_unique
from transforms.sources import SOURCES, Column

# the contract's row checks, as GX range arguments (DuckDB predicate on the typed value x)
ROW_CHECKS = {
    "x > 0": {"min_value": 0, "strict_min": True},
    "x >= 0": {"min_value": 0},
}

FUTURE_SLACK_DAYS = 1


def _row_check(c: Column, gxe) -> object:
    try:
        args = ROW_CHECKS[c.check]
    except KeyError:
        raise ValueError(
            f"no expectation for the contract's check {c.check!r} on {c.name}; "
            "add it to expectations/sources/_contract.py ROW_CHECKS"
        ) from None
    return gxe.ExpectColumnValuesToBeBetween(column=c.name, **args, severity=GX_FAIL)


def contract_expectations(source: str) -> list:
    gxe = gx_expectations()
    out = []
    for c in SOURCES[source].columns:
        if c.required:
            out.append(gxe.ExpectColumnValuesToNotBeNull(column=c.name, severity=GX_FAIL))
            if c.type == "str":  # empty text means null (data-contract.md)
                out.append(
                    gxe.ExpectColumnValueLengthsToBeBetween(
                        column=c.name, min_value=1, severity=GX_FAIL
                    )
                )
        if c.values:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c.name, value_set=list(c.values), severity=GX_FAIL
                )
            )
        if c.check:
            out.append(_row_check(c, gxe))
    return out


def future_column(event_time: str) -> str:
    return f"{event_time}__days_after_dt"


def contract_suite(
    source: str,
    *,
    event_time: str | None = None,
    derived: dict[str, str] | None = None,
    extra: Callable[[object], list] | None = None,
) -> TableSuite:
    """The suite of staging.<source>: the contract's checks, the future-time warning on
    `event_time`, and `extra(gxe)` (the module's own checks)."""
    src = SOURCES[source]
    derived = dict(derived or {})
    if event_time:
        # business date of the event in the platform zone (variable set by core.db.prepare)
        derived[future_column(event_time)] = (
            f"date_diff('day', _dt, ({ident(event_time)} AT TIME ZONE "
            f"coalesce(getvariable('tz'), 'UTC'))::DATE)"
        )

    def build() -> list:
        gxe = gx_expectations()
        out = contract_expectations(source)
        if event_time:
            out.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=future_column(event_time), max_value=FUTURE_SLACK_DAYS, severity=GX_WARN
                )
            )
        if extra:
            out.extend(extra(gxe))
        return out

    table = f"staging.{source}"
    return TableSuite(
        table=table,
        build=build,
        partition_by="_dt",
        derived=derived,
        sql_checks=(key_unique(table, src.key, "_dt", FAIL),),
        columns=tuple(c.name for c in src.columns) + ("_dt", "_file", "_row"),
        money_columns=tuple(c.name for c in src.columns if c.type.startswith("money")),
        grain=src.grain,
    )
