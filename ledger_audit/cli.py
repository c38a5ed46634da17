"""The `ledger-audit` command line (README.md, "Commands")."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import click
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


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """What goes wrong in a command reaches the person as one line and exit status 1."""
    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.ClickException):
        raise
    except (AuditError, ConfigError) as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        _crash(exc)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for the demo landing zone and warehouse")] = Path("demo"),
    accounts: Annotated[int, typer.Option(help="accounts to generate")] = 2000,
    days: Annotated[int, typer.Option(help="days of activity to generate")] = 45,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Generate a demo landing zone, run the whole nightly job on it and say where everything is."""
    from ledger_audit.pipeline import run_demo

    with _one_line_errors():
        run_demo(out, accounts=accounts, days=days, seed=seed)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="landing zone folder to write")],
    accounts: Annotated[int, typer.Option(help="number of background accounts")] = 1000,
    days: Annotated[int, typer.Option(help="days of activity, ending at --end")] = 30,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same bytes")] = 1,
    end: Annotated[str, typer.Option(help="last business date, YYYY-MM-DD")] = "2026-11-20",
    usage_rows: Annotated[int | None, typer.Option(help="approximate usage rows (default: scales with accounts and days)")] = None,
    last_day_usage_rows: Annotated[int, typer.Option(help="extra usage rows on the last day, written in chunks as gzip JSONL (one big new day on top of the history)")] = 0,
    even_days: Annotated[bool, typer.Option(help="the same number of usage rows every day (else days grow as accounts join)")] = False,
    usage_format: Annotated[str | None, typer.Option(help="one format for every usage file, e.g. .jsonl.gz (default: formats rotate)")] = None,
) -> None:
    """Write a synthetic landing zone with planted violations of every rule, and their expected list."""
    from ledger_audit.generate import generate as gen

    try:
        summary = gen(out, accounts=accounts, days=days, seed=seed, end=_date(end), usage_rows=usage_rows,
                      last_day_usage_rows=last_day_usage_rows, usage_format=usage_format,
                      even_days=even_days)
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
    with _one_line_errors(), rich_progress(enabled=sys.stderr.isatty()) as progress:
        summary = run_night(landing, warehouse, business_date, load_config(config), progress=progress)
    typer.echo(summary)


@app.command()
def report(
    warehouse: Annotated[Path, typer.Option(help="published DuckDB warehouse (read only)")],
    date: Annotated[str, typer.Option(help="business date of the packs, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option(help="reports folder: the packs go to OUT/DATE/")],
    send: Annotated[bool, typer.Option("--send", help="e-mail the packs through [email]'s SMTP server, once per date")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="e-mail them even if already sent")] = False,
    config: Annotated[Path | None, typer.Option(help="TOML settings file")] = None,
) -> None:
    """Build the finance and legal packs for a date (HTML, PDF, XLSX, .eml); --send mails them."""
    from reports.build import build_packs
    from reports.send import Server, send_packs

    business_date = _date(date)
    with _one_line_errors():
        settings = load_config(config)
        built = build_packs(warehouse, business_date, out, settings)
        typer.echo(built.describe())
        if send or resend:
            done = send_packs(built.folder, Server.from_config(settings.email), resend=resend,
                              attempts=settings.email.send_attempts,
                              retry_seconds=settings.email.retry_seconds)
            for pack, what in done.items():
                typer.echo(f"  {pack}: {what}")


@app.command()
def sql(
    warehouse: Annotated[Path | None, typer.Option(help="published DuckDB warehouse")] = None,
    query: Annotated[str | None, typer.Argument(help="SQL to run; without it (and without --query), an interactive prompt")] = None,
    tables: Annotated[bool, typer.Option("--tables", help="list every table with its grain and row count, and the business date held")] = False,
    saved: Annotated[str | None, typer.Option("--query", help="run the saved investigation NAME (queries/NAME.sql)")] = None,
    param: Annotated[list[str] | None, typer.Option(help="key=value for a saved query's parameter; repeat for more")] = None,
    list_queries: Annotated[bool, typer.Option("--list-queries", help="list the saved investigations, what they answer and their parameters")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json (DECIMAL as strings) | parquet (needs --output)")] = "table",
    output: Annotated[Path | None, typer.Option(help="write the result to FILE instead of stdout")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML settings file (the platform time zone)")] = None,
) -> None:
    """Investigate the published warehouse, read-only: a prompt, one query, or a saved investigation."""
    from ledger_audit import investigate as inv

    with _one_line_errors():
        try:
            if list_queries:
                inv.list_queries()
                return
            if fmt not in inv.FORMATS:
                raise inv.InvestigateError(f"--format {fmt!r}: choose {', '.join(inv.FORMATS)}")
            if fmt == "parquet" and output is None:
                raise inv.InvestigateError("--format parquet is binary: give --output FILE.parquet")
            if param and not saved:
                raise inv.InvestigateError("--param goes with --query NAME")
            if saved and query:
                raise inv.InvestigateError("give either SQL or --query NAME, not both")
            if warehouse is None:
                raise inv.InvestigateError("give --warehouse PATH (the published warehouse)")
            with inv.Warehouse.open(warehouse, load_config(config)) as wh:
                if tables:  # the date line stays out of a CSV, JSON or file
                    typer.echo(inv.describe_warehouse(wh), err=fmt != "table" or output is not None)
                    inv.write_result(inv.tables(wh), fmt, output)
                elif saved:
                    inv.write_result(inv.run_saved(wh, saved, inv.parse_params(param or [])), fmt, output)
                elif query:
                    statements = inv.execute(wh, query)
                    if output is not None and sum(s.has_rows for s in statements) > 1:
                        raise inv.InvestigateError("--output takes the rows of one statement; run them one at a time")
                    for stmt in statements:
                        inv.interruptible(wh, lambda s=stmt: inv.write_result(s, fmt, output))
                else:
                    inv.prompt(wh).close()
        except BrokenPipeError:  # `ledger-audit sql … | head`: the reader has what it wanted
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
