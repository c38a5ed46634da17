"""Dependencies point one way: core <- transforms, expectations, reports <- the app (ledger_audit)
and the DAGs. Fails if a lower layer imports a higher one, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# what each layer may import from the project's own packages
ALLOWED = {
    "core": {"core"},
    "transforms": {"core", "transforms"},
    "expectations": {"core", "transforms", "expectations"},
    "reports": {"core", "transforms", "expectations", "reports"},
}
PROJECT = {"core", "transforms", "expectations", "reports", "ledger_audit", "dags"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_nothing_above_it(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files or layer == "reports", f"{layer}/ has no modules"
    wrong = {f"{p.relative_to(ROOT)} imports {m}"
             for p in files for m in _imports(p) - ALLOWED[layer]}
    assert not wrong, sorted(wrong)


def test_core_reads_its_macros_from_inside_core():
    from core.db import MACROS

    assert MACROS.is_file() and MACROS.parent == ROOT / "core"
