"""Docs that can't drift: the README, the CLI, the contract and the catalog agree."""

import re
from pathlib import Path

import pytest
from spec import spec_text
from typer.testing import CliRunner

from ledger_audit.cli import app
from transforms.marts.catalog import MARTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def contract_marts() -> dict[str, list[str]]:
    """marts.<table> -> contract columns, from data-contract.md 'Published outputs'."""
    text = spec_text("data-contract.md")
    out = {}
    for m in re.finditer(r"^\| `marts\.(\w+)` \|[^|]*\| ([^|]+) \|$", text, re.MULTILINE):
        cols = re.sub(r"\([^)]*\)", "", m.group(2))  # drop notes like "(JSON text: a, b)"
        out[m.group(1)] = [c.strip() for c in cols.split(",")]
    return out


def test_contract_lists_the_eight_published_tables():
    assert sorted(contract_marts()) == sorted(
        ["violations", "account_balances", "topup_positions", "funding_breaks",
         "identity_clusters", "liability_caps", "load_audit", "quarantine"])


@pytest.mark.parametrize("table", sorted(contract_marts()))
def test_every_contract_column_of_every_mart_is_described(table):
    assert table in MARTS, f"marts.{table} has no catalog entry"
    assert MARTS[table]["grain"].startswith("One row per")
    missing = [c for c in contract_marts()[table] if c not in MARTS[table]["columns"]]
    assert not missing, f"marts.{table}: undescribed contract columns {missing}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"ledger-audit {command}" in README, f"README does not show `ledger-audit {command}`"


def test_readme_quick_start_is_two_commands_and_ci_runs_the_second():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|shell)\n(.*?)```", quick, re.DOTALL)
    commands = [line for b in blocks for line in b.strip().splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert "ledger-audit demo" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
