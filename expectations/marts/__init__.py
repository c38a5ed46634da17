"""One suite per published mart (data-contract.md "Published outputs"), one module each."""

from __future__ import annotations

import importlib

from expectations.base import TableSuite

MARTS = (
    "violations",
    "violation_history",
    "account_balances",
    "topup_positions",
    "funding_breaks",
    "identity_clusters",
    "liability_caps",
    "load_audit",
    "quarantine",
)


def suite(mart: str) -> TableSuite:
    if mart not in MARTS:
        raise ValueError(f"no suite for mart {mart!r}; known: {', '.join(MARTS)}")
    return importlib.import_module(f"expectations.marts.{mart}").SUITE


def all_suites() -> dict[str, TableSuite]:
    return {m: suite(m) for m in MARTS}
