"""SQL text helpers: the one place identifiers and literals are quoted, and parameters bound.

Data never goes through `literal`: landing values and user input are bound as `$name`
parameters. `literal` is for what DuckDB cannot bind (COMMENT ON, CREATE VIEW, COPY TO) and
takes only the project's own constants and its own lake paths.
"""

from __future__ import annotations

import re
from decimal import Decimal

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def ident(name: str) -> str:
    """A quoted identifier: `ident('a"b')` is `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A SQL literal for a constant of ours (a string, number or boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def bind(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The subset of `params` that `sql` names as $name (DuckDB rejects unused parameters)."""
    names = set(_PARAM.findall(sql))
    missing = names - params.keys()
    if missing:
        raise KeyError(f"SQL names unknown parameter(s): {', '.join(sorted(missing))}")
    return {k: v for k, v in params.items() if k in names}
