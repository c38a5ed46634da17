"""Planted cases of every rule, each with near misses, and their expected findings.

One module per rule, named after its rule_id (`RATING_MISMATCH.py`), found here the way
`transforms.rules.discover()` finds the rules: adding a rule means adding its SQL, its test and
its planted module, and nothing else changes. A planted module defines

    RULE_ID = "RATING_MISMATCH"
    ORDER = 10            # its place in the planting sequence
    def plant(p: Planter) -> None: ...

and plants through `p` (accounts, top-ups, calls, ...), calling `p.expect(rule, subject, micro)`
for each finding the audit must raise and `p.near(rule, what)` for what it must not. Expected
amounts are worked out by hand from the rule's text, never by running the audit's rule code.

Ids (P00001, PT00001, ...) and identities are handed out in planting order, so ORDER fixes it:
the same seed gives the same bytes whatever the file system lists first. A new rule takes a
number after the last one.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ledger_audit.generate.planted.planter import PLANTED_MODEL, Acct, Planter, m

__all__ = ["PLANTED_MODEL", "Acct", "PlantedCase", "Planter", "discover", "m", "plant"]

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PlantedCase:
    rule_id: str
    order: int
    module: ModuleType

    def plant(self, p: Planter) -> None:
        self.module.plant(p)


def discover() -> list[PlantedCase]:
    """Every planted module in this folder, in planting order."""
    cases = []
    for path in sorted(HERE.glob("*.py")):
        if not path.stem.isupper():
            continue
        mod = importlib.import_module(f"{__name__}.{path.stem}")
        rule_id, order = getattr(mod, "RULE_ID", None), getattr(mod, "ORDER", None)
        if rule_id != path.stem:
            raise ValueError(
                f"planted module {path.name}: RULE_ID {rule_id!r} differs from its name"
            )
        if not isinstance(order, int) or not callable(getattr(mod, "plant", None)):
            raise TypeError(f"planted module {path.name}: needs an int ORDER and plant(p)")
        cases.append(PlantedCase(rule_id, order, mod))
    orders = [c.order for c in cases]
    if len(set(orders)) != len(orders):
        raise ValueError(f"planted modules share an ORDER: {sorted(orders)}")
    return sorted(cases, key=lambda c: c.order)


def plant(n_bg: int, end: dt.date) -> Planter:
    """Every planted case and near miss; `Planter.expected` is the hand-worked expected list."""
    p = Planter(n_bg, end)
    for case in discover():
        case.plant(p)
    return p
