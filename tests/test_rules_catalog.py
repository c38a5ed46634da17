"""Every rule the audit runs is complete: one implementation file, one test file, one planted
case, and a header that says what it flags and why (docs/rules.md is written from it). The
spec's own rule list is checked in spec_conformance/test_spec_rules.py."""

from pathlib import Path

import pytest

from transforms.rules import discover

ROOT = Path(__file__).resolve().parent.parent
RULES = discover()


def test_the_audit_has_rules():
    assert len(RULES) >= 34


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_rule_has_a_file_a_test_a_planted_case_and_a_header(rule):
    assert (ROOT / "tests" / "rules" / f"test_{rule.rule_id}.py").exists(), f"no tests/rules/test_{rule.rule_id}.py"
    planted = ROOT / "ledger_audit" / "generate" / "planted" / f"{rule.rule_id}.py"
    assert planted.exists(), f"no {planted.relative_to(ROOT)}"
    assert len(rule.clause) > 20, f"{rule.rule_id}: the clause should be cited in words"
    assert len(rule.description) > 40, f"{rule.rule_id}: header should say what it flags and why"


def test_every_test_file_of_tests_rules_names_a_rule():
    ids = {r.rule_id for r in RULES}
    orphans = [p.name for p in (ROOT / "tests" / "rules").glob("test_*.py")
               if p.stem.removeprefix("test_") not in ids]
    assert not orphans
