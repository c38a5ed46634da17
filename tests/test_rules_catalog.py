"""Every rule of rules.md has one implementation file and one test file, and its header agrees
with the spec: the same severity, and a clause that cites the spec's section."""

import re
from pathlib import Path

import pytest
from spec import spec_text

from transforms.rules import discover

ROOT = Path(__file__).resolve().parent.parent
RULES_MD = spec_text("rules.md")
SPEC = {m.group(1): (m.group(2).strip(), m.group(3).strip())
        for m in re.finditer(r"^\| `([A-Z_]+)` \| (\w+) \| ([^|]+) \|", RULES_MD, re.MULTILINE)}
IMPLEMENTED = {r.rule_id: r for r in discover()}


def test_spec_has_34_rules():
    assert len(SPEC) == 34


def test_no_rule_file_without_a_rule_in_the_spec():
    assert sorted(set(IMPLEMENTED) - set(SPEC)) == []


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
    assert len(rule.description) > 40, f"{rule_id}: header should say what it flags and why"
