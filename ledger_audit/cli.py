"""The `ledger-audit` command line (README.md, "Commands")."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.config import ConfigError, load_config
from core.errors import AuditError

app = typer.Typer(
    help="ledger-audit: the nightly audit of a prepaid LLM API platform's money and accounts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD") from None


def _fail(exc: Exception) -> None:
    typer.echo(f"ledger-audit: error: {exc}", err=True)
    raise typer.Exit(1)


def _crash(exc: Exception) -> None:
    """An error the code did not foresee: still one line (the published warehouse is unchanged);
    LEDGER_AUDIT_DEBUG=1 shows the traceback."""
    import os

    if os.environ.get("LEDGER_AUDIT_DEBUG"):
        raise exc
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    typer.echo(f"ledger-audit: error: {type(exc).__name__}: {first} "
               "(set LEDGER_AUDIT_DEBUG=1 for the traceback)", err=True)
    raise typer.Exit(1)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for the demo landing zone and warehouse")] = Path("demo"),
    accounts: Annotated[int, typer.Option(help="accounts to generate")] = 2000,
    days: Annotated[int, typer.Option(help="days of activity to generate")] = 45,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Generate a demo landing zone, run the whole nightly job on it and say where everything is."""
    from ledger_audit.pipeline import run_demo

    try:
        run_demo(out, accounts=accounts, days=days, seed=seed)
    except (AuditError, ConfigError) as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        _crash(exc)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="landing zone folder to write")],
    accounts: Annotated[int, typer.Option(help="number of background accounts")] = 1000,
    days: Annotated[int, typer.Option(help="days of activity, ending at --end")] = 30,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same bytes")] = 1,
    end: Annotated[str, typer.Option(help="last business date, YYYY-MM-DD")] = "2026-11-20",
    usage_rows: Annotated[int | None, typer.Option(help="approximate usage rows (default: scales with accounts and days)")] = None,
    last_day_usage_rows: Annotated[int, typer.Option(help="extra usage rows on the last day, written in chunks as gzip JSONL (one big new day on top of the history)")] = 0,
    usage_format: Annotated[str | None, typer.Option(help="one format for every usage file, e.g. .jsonl.gz (default: formats rotate)")] = None,
) -> None:
    """Write a synthetic landing zone with planted violations of every rule, and their expected list."""
    from ledger_audit.generate import generate as gen

    try:
        summary = gen(out, accounts=accounts, days=days, seed=seed, end=_date(end), usage_rows=usage_rows,
                      last_day_usage_rows=last_day_usage_rows, usage_format=usage_format)
    except AuditError as exc:
        _fail(exc)
    typer.echo(summary)


@app.command()
def run(
    landing: Annotated[Path, typer.Option(help="landing zone: <landing>/<source>/dt=YYYY-MM-DD/<file>")],
    warehouse: Annotated[Path, typer.Option(help="DuckDB file to publish (its lake and Data Docs go beside it)")],
    date: Annotated[str, typer.Option(help="business date to run, YYYY-MM-DD")],
    config: Annotated[Path | None, typer.Option(help="TOML settings file")] = None,
) -> None:
    """Load what is new up to the business date, validate, audit and publish the marts. Idempotent."""
    from ledger_audit.pipeline import rich_progress, run_night

    business_date = _date(date)
    try:
        with rich_progress(enabled=sys.stderr.isatty()) as progress:
            summary = run_night(landing, warehouse, business_date, load_config(config), progress=progress)
    except (AuditError, ConfigError) as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        _crash(exc)
    typer.echo(summary)


@app.command()
def sql(
    warehouse: Annotated[Path, typer.Option(help="published DuckDB warehouse")],
    query: Annotated[str | None, typer.Argument(help="SQL to run; without it, lists the tables")] = None,
) -> None:
    """Ad-hoc SQL on the published warehouse, read-only."""
    import duckdb

    if not warehouse.exists():
        _fail(AuditError(f"no warehouse at {warehouse}"))
    q = query or (
        "SELECT table_schema AS schema, table_name AS name, table_type AS kind FROM information_schema.tables "
        "WHERE table_schema IN ('staging', 'intermediate', 'marts') ORDER BY 1, 2"
    )
    import polars as pl

    try:
        # read-only: the nightly job publishes by replacing the file, never by writing into it
        con = duckdb.connect(str(warehouse), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        rel = con.sql(q)
        frame = rel.pl() if rel is not None else None  # a SELECT runs here, lazily
    except duckdb.Error as exc:
        _fail(AuditError(_sql_error(warehouse, exc)))
    if frame is None:
        return
    with pl.Config(tbl_rows=200, tbl_cols=30, fmt_str_lengths=80, tbl_width_chars=200):
        typer.echo(frame)


def _sql_error(warehouse: Path, exc: Exception) -> str:
    # DuckDB says "Cannot launch in-memory database in read-only mode!" for a file that is not
    # a database at all (a CSV): say that instead
    with open(warehouse, "rb") as fh:
        head = fh.read(12)
    if warehouse.is_file() and head[8:12] != b"DUCK":
        return (f"{warehouse} is not a DuckDB warehouse file: pass the .duckdb file that"
                " `ledger-audit run` publishes")
    return str(exc).strip().splitlines()[0]


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
