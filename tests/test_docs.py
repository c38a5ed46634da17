"""Docs that can't drift: the README and the CLI agree, and the README links only to files that
exist in the repository (the shared spec's published outputs: spec_conformance/)."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger_audit.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"ledger-audit {command}" in README, f"README does not show `ledger-audit {command}`"


def test_readme_links_point_inside_the_repository():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [ln for ln in links if "://" not in ln and not ln.startswith("mailto:")]
    assert "docs/rules.md" in local and "docs/data-contract.md" in local
    outside = [ln for ln in local if ln.startswith("..") or not (ROOT / ln).exists()]
    assert not outside, f"README links to files outside the repository or missing: {outside}"
