"""The rules hold to the shared spec's rules.md: every rule of its tables has one implementation
file and one test file, with the spec's severity and a clause that cites the spec's sections,
and the repository's own catalogue (docs/rules.md) lists exactly the spec's rules."""

import re
from pathlib import Path

import pytest
from spec_conformance.spec import rule_ids, spec_text

from transforms.rules import discover

ROOT = Path(__file__).resolve().parents[2]
RULES_MD = spec_text("rules.md")
SPEC = {m.group(1): (m.group(2).strip(), m.group(3).strip())
        for m in re.finditer(r"^\| `([A-Z_]+)` \| (\w+) \| ([^|]+) \|", RULES_MD, re.MULTILINE)}
IMPLEMENTED = {r.rule_id: r for r in discover()}


def test_spec_has_34_rules():
    assert len(SPEC) == 34
    assert sorted(SPEC) == rule_ids()


def test_no_rule_file_without_a_rule_in_the_spec():
    assert sorted(set(IMPLEMENTED) - set(SPEC)) == []


def test_the_repository_catalogue_lists_the_spec_rules():
    catalogue = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert sorted(re.findall(r"^## ([A-Z_]+)$", catalogue, re.MULTILINE)) == sorted(SPEC)


@pytest.mark.parametrize("rule_id", sorted(SPEC))
def test_rule_has_a_file_a_test_and_the_spec_severity_and_clause(rule_id):
    assert rule_id in IMPLEMENTED, f"no transforms/rules/{rule_id}.sql"
    assert (ROOT / "tests" / "rules" / f"test_{rule_id}.py").exists(), f"no tests/rules/test_{rule_id}.py"
    rule = IMPLEMENTED[rule_id]
    severity, clause = SPEC[rule_id]
    assert rule.severity == severity
    # every section the spec cites (§8.1, 用户资格说明, …) is named in the rule's clause text
    for cite in re.findall(r"§[\d.]+|[\u4e00-\u9fff]{3,}", clause):
        assert cite.rstrip(".") in rule.clause, f"{rule_id}: clause lacks {cite!r}: {rule.clause!r}"


@pytest.mark.parametrize("rule_id", sorted(SPEC))
def test_every_config_threshold_of_the_spec_rule_is_a_setting_of_the_rule(rule_id):
    # rules.md marks thresholds "*(config)*"; the rule's header must name a setting for them
    row = next(ln for ln in RULES_MD.splitlines() if ln.startswith(f"| `{rule_id}` |"))
    if "(config" in row:
        assert any(s.startswith(("rules.", "liability.")) for s in IMPLEMENTED[rule_id].settings), (
            f"{rule_id}: rules.md gives it a configurable threshold; its header lists no setting")
