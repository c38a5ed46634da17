"""The shared spec (../shared/spec beside the repository, or $LEDGER_AUDIT_SPEC_DIR).

Only the tests in this folder read it: they hold the code to the spec's text. tests/conftest.py
leaves this folder out when the spec is absent (a clone alone), so nothing here skips; CI has
the spec beside the clone and runs them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SPEC_DIR = Path(os.environ.get("LEDGER_AUDIT_SPEC_DIR")
                or Path(__file__).resolve().parents[3] / "shared" / "spec")


def spec_text(name: str) -> str:
    return (SPEC_DIR / name).read_text(encoding="utf-8")


def rule_ids() -> list[str]:
    """The rule ids of rules.md's tables."""
    return sorted(set(re.findall(r"^\| `([A-Z_]+)` \|", spec_text("rules.md"), re.MULTILINE)))
