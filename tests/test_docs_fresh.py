"""The repository documents itself: docs/rules.md and docs/data-contract.md are written from the
rule headers, the settings and the input contract in code (`python -m ledger_audit.docs`), and
fail here when they no longer say what the code does. Every rule header names the settings that
change it, what it flags and why, so the catalogue has something true to say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import Config
from ledger_audit.docs import DOCS, rules_catalogue
from transforms.rules import discover

ROOT = Path(__file__).resolve().parent.parent
RULES = discover()
# $names a rule may bind that are settings, and the key each one is
SETTING_OF = {**{k: f"rules.{k}" for k in Config().rules.model_dump()},
              **{k: f"liability.{k}" for k in Config().liability.model_dump()},
              "tz": "platform.timezone", "trial_days": "balance.trial_days"}


@pytest.mark.parametrize("rel", sorted(DOCS))
def test_generated_doc_is_fresh(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is missing: run `python -m ledger_audit.docs`"
    assert path.read_text(encoding="utf-8") == DOCS[rel](), (
        f"{rel} is stale: run `python -m ledger_audit.docs` and commit the result")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_rule_header_says_what_it_flags_why_and_which_settings_change_it(rule):
    header = [ln for ln in rule.path.read_text(encoding="utf-8").splitlines() if ln.startswith("--")]
    assert any(ln.startswith("-- settings:") for ln in header), "header lacks '-- settings:'"
    assert rule.paragraphs[0].startswith("Flags"), "the header's text opens with what it flags"
    assert any(p.startswith("Exists because") for p in rule.paragraphs), "and says why it exists"
    for key in rule.settings:
        section, name = key.split(".")
        assert name in getattr(Config(), section).model_dump(), f"no setting {key}"
    body = "\n".join(ln for ln in rule.path.read_text(encoding="utf-8").splitlines()
                     if not ln.startswith("--"))
    bound = {SETTING_OF[n] for n in re.findall(r"\$(\w+)", body) if n in SETTING_OF}
    assert bound <= set(rule.settings), f"binds {sorted(bound - set(rule.settings))} unlisted"


def test_every_rule_is_in_the_catalogue_with_its_settings_defaults():
    text = rules_catalogue()
    for rule in RULES:
        assert f"\n## {rule.rule_id}\n" in text
    # a default changed in core/config.py shows in the catalogue (written by hand from config.py)
    assert "| `rules.dispute_days` | `30` |" in text
    assert '| `rules.structured_max_single` | `"10000.00"` |' in text
    assert '| `balance.burn_down` | `["trial", "discount", "cash"]` |' in text

