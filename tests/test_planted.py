"""Adding a rule is adding its files: every rule has one planted module beside the generator,
and every planted module plants a rule that exists. Fails when a rule is added without its
planted case (the end-to-end check would then have nothing to find) or a planted module is left
behind by a rule that was renamed or removed."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger_audit.generate import planted
from transforms.rules import discover as discover_rules

RULES = sorted(r.rule_id for r in discover_rules())
CASES = planted.discover()


def test_every_rule_has_a_planted_module():
    missing = sorted(set(RULES) - {c.rule_id for c in CASES})
    assert not missing, f"no ledger_audit/generate/planted/<RULE_ID>.py for {missing}"


def test_every_planted_module_names_a_rule():
    orphans = sorted({c.rule_id for c in CASES} - set(RULES))
    assert not orphans, f"planted modules without a transforms/rules/<RULE_ID> file: {orphans}"


def test_planting_order_is_unambiguous():
    orders = [c.order for c in CASES]
    assert len(set(orders)) == len(orders) == len(RULES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule_id)
def test_a_planted_module_plants_its_own_rule(case):
    p = planted.Planter(n_bg=0, end=dt.date(2026, 11, 20))
    case.plant(p)
    assert case.rule_id in {rule for rule, _, _ in p.expected}, "plants no finding of its rule"
    assert all(rule in RULES for rule, _, _ in p.expected), "expects a rule that does not exist"
    assert all(rule in RULES for rule, _ in p.near_misses)
