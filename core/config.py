"""Settings: every threshold of rules.md, with its default built in.

A TOML file may override any of them. Unknown keys and bad values fail loudly, naming the key,
because a misspelled threshold that is silently ignored would change what the audit flags.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Bucket = Literal["trial", "discount", "cash"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Platform(_Section):
    timezone: str = Field("Asia/Shanghai", description="time zone of business dates, of \"now\" (the end of the run's date) and of timestamps written without offset")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v


class Balance(_Section):
    burn_down: tuple[Bucket, Bucket, Bucket] = Field(("trial", "discount", "cash"), description="order in which recomputed funding draws a charge from the kinds of funds")
    trial_days: int = Field(30, gt=0, description="days after granted_at a trial grant without expires_at expires")

    @field_validator("burn_down")
    @classmethod
    def _each_once(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if sorted(v) != ["cash", "discount", "trial"]:
            raise ValueError("must name trial, discount and cash once each")
        return v


class Rules(_Section):
    minor_age: int = Field(18, gt=0, description="age in whole years below which a holder is a minor")
    multi_account_min_size: int = Field(3, ge=2, description="accounts an identity cluster must hold to be flagged")
    trial_new_customer_days: int = Field(30, ge=0, description="days after registration within which a trial grant goes to a new customer")
    dispute_days: int = Field(30, gt=0, description="days within which a third-party top-up dispute lock must be resolved")
    payer_fan_out_min_accounts: int = Field(5, ge=2, description="distinct accounts one payer instrument must fund within the window")
    payer_fan_out_days: int = Field(30, gt=0, description="length of the payer fan-out window, in days")
    structured_window_hours: int = Field(24, gt=0, description="length of the structuring window, in hours")
    structured_min_count: int = Field(5, ge=2, description="top-ups below the single limit the window must hold")
    structured_max_single: Decimal = Field(Decimal("10000.00"), gt=0, description="single top-up limit (CNY): only top-ups below it count")
    structured_min_total: Decimal = Field(Decimal("20000.00"), gt=0, description="total (CNY) the counted top-ups must reach together")
    rapid_refund_hours: int = Field(72, gt=0, description="hours after the top-up within which a refund request counts as rapid")
    rapid_refund_max_consumed_pct: Decimal = Field(Decimal(5), ge=0, le=100, description="percent of the top-up consumed below which the refund is flagged")
    content_violations_min: int = Field(3, ge=1, description="flagged calls within the window that make an account a repeat offender")
    content_violations_days: int = Field(7, gt=0, description="length of the content-violation window, in days")


class Liability(_Section):
    cap_basis: Literal["paid", "charged"] = Field("paid", description="liability cap: \"paid\" sums the calls' cash_amount, \"charged\" their amount")


class Identity(_Section):
    # splink match probability at or above which two accounts are linked by name/birth/address.
    # 0.9: on FEBRL3 every threshold from 0.5 to 0.99 gives precision 1.0 and recall >= 0.997
    # (0.999 drops recall to 0.980); 0.9 sits inside that plateau, not at its edge.
    match_probability: float = Field(0.9, gt=0, lt=1, description="splink match probability at or above which name, birth date and address link two accounts")


class DuckDB(_Section):
    # DuckDB's buffer memory per connection. It spills to disk beyond it, so the 10M-row night
    # stays within ~2.5 GiB peak instead of 8 GiB (measured; README "Performance").
    memory_limit: str = Field("2GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
    # where that spill goes: a day larger than memory completes instead of dying. Empty: beside
    # the warehouse (<warehouse>.tmp, DuckDB's own default for a database file), never the
    # working directory an in-memory connection would otherwise use.
    temp_directory: str = Field("", description="folder DuckDB spills to beyond memory_limit; empty: <warehouse>.tmp beside the warehouse")


class Email(_Section):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, gt=0, lt=65536)
    # none: plain SMTP; starttls: upgrade after connecting; tls: TLS from the first byte (465).
    # The login comes from LEDGER_AUDIT_SMTP_USER / LEDGER_AUDIT_SMTP_PASSWORD, never a file.
    security: Literal["none", "starttls", "tls"] = "none"
    sender: str = "ledger-audit@localhost"
    finance_to: tuple[str, ...] = ("finance@localhost",)
    legal_to: tuple[str, ...] = ("legal@localhost",)
    oncall_to: tuple[str, ...] = ("oncall@localhost",)
    send_attempts: int = Field(3, ge=1, le=10, description="tries per message before giving up")
    retry_seconds: float = Field(5.0, ge=0, description="wait before the 2nd try; doubles after")


class Reports(_Section):
    # Rows per XLSX sheet. Excel stops at 1,048,576; far fewer keep the attachment small and
    # quick to write. The whole table always goes beside the packs as CSV when a sheet is cut.
    max_sheet_rows: int = Field(10_000, ge=10, le=1_048_575)
    # Violations laid out in full per rule in the legal PDF (the XLSX has all of them).
    pdf_max_per_rule: int = Field(25, ge=1)
    top_items: int = Field(10, ge=1, le=100)


class Config(_Section):
    platform: Platform = Platform()
    balance: Balance = Balance()
    rules: Rules = Rules()
    liability: Liability = Liability()
    identity: Identity = Identity()
    duckdb: DuckDB = DuckDB()
    email: Email = Email()
    reports: Reports = Reports()


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


def load_config(path: str | Path | None = None) -> Config:
    """The built-in defaults, overridden by the TOML file at `path` if given."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(f"config file {path}: {key}: {msg}") from exc


def rule_params(config: Config) -> dict[str, object]:
    """Every [rules] and [liability] setting by name, as bound into rule SQL (`$dispute_days`)."""
    return {**config.rules.model_dump(), **config.liability.model_dump()}
