"""The shared spec (../shared/spec beside the repository, or $LEDGER_AUDIT_SPEC_DIR).

Tests that hold the code to the spec's text read it through here. CI always has the spec
beside the clone; a clone without it skips those tests with this reason, instead of failing
to collect."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SPEC_DIR = Path(os.environ.get("LEDGER_AUDIT_SPEC_DIR")
                or Path(__file__).resolve().parents[2] / "shared" / "spec")


def spec_text(name: str) -> str:
    path = SPEC_DIR / name
    if not path.exists():
        pytest.skip(f"{path} not found: these tests compare the code with the shared spec",
                    allow_module_level=True)
    return path.read_text(encoding="utf-8")


def rule_ids() -> list[str]:
    """The 34 rule ids of rules.md's tables."""
    return sorted(set(re.findall(r"^\| `([A-Z_]+)` \|", spec_text("rules.md"), re.MULTILINE)))
