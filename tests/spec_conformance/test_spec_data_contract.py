"""The code holds to the shared spec's data-contract.md: the input contract in
transforms/sources.py (which docs/data-contract.md is written from) has the spec's sources,
columns and required flags, and every published mart has a schema.yaml and a suite with the
spec's columns."""

import re

import pytest
from spec_conformance.spec import spec_text

from expectations import marts
from transforms.schema import all_tables
from transforms.sources import SOURCES

CONTRACT = spec_text("data-contract.md")


def contract_marts() -> dict[str, list[str]]:
    """marts.<table> -> contract columns, from data-contract.md 'Published outputs'."""
    out = {}
    for m in re.finditer(r"^\| `marts\.(\w+)` \|[^|]*\| ([^|]+) \|$", CONTRACT, re.MULTILINE):
        cols = re.sub(r"\([^)]*\)", "", m.group(2))  # drop notes like "(JSON text: a, b)"
        out[m.group(1)] = [c.strip() for c in cols.split(",")]
    return out


def contract_inputs() -> dict[str, dict[str, bool]]:
    """source -> {column: required}, from data-contract.md 'Input sources'."""
    text = CONTRACT.split("## Input sources", 1)[1].split("## Published outputs", 1)[0]
    out: dict[str, dict[str, bool]] = {}
    source = None
    for line in text.splitlines():
        if m := re.match(r"### (\w+)", line):
            source = out.setdefault(m.group(1), {})
        # | name(s) | type (enums hold escaped pipes) | yes/no | meaning |
        elif source is not None and (m := re.match(r"^\| ([a-z_, 0-9]+) \| .*? \| (yes|no) \|", line)):
            for col in m.group(1).split(","):
                source[col.strip()] = m.group(2) == "yes"
    return out


def test_input_sources_have_the_contract_columns_and_required_flags():
    spec = contract_inputs()
    assert sorted(spec) == sorted(SOURCES)
    for name, cols in spec.items():
        ours = {c.name: c.required for c in SOURCES[name].columns}
        assert ours == cols, name


def test_contract_lists_the_eight_published_tables():
    assert sorted(contract_marts()) == sorted(
        ["violations", "account_balances", "topup_positions", "funding_breaks",
         "identity_clusters", "liability_caps", "load_audit", "quarantine"])


@pytest.mark.parametrize("table", sorted(contract_marts()))
def test_every_contract_column_of_every_mart_is_described(table):
    assert f"marts.{table}" in all_tables(), f"marts.{table} has no schema.yaml"
    schema = all_tables()[f"marts.{table}"]
    assert schema.grain.startswith("One row per")
    missing = [c for c in contract_marts()[table] if c not in schema.column_names]
    assert not missing, f"marts.{table}: undescribed contract columns {missing}"


def test_every_published_mart_has_a_suite_with_the_contract_columns():
    published = contract_marts()
    assert len(published) == 8
    for name, contract in published.items():
        # the suite requires every column of the table's schema.yaml: the contract's, in its
        # order, and the extra ones the audit publishes (trial_balance, paid_at, audience, ...)
        columns = marts.suite(name).columns
        assert [c for c in columns if c in contract] == contract, name
