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


# Keys are grouped and probed by their 64-bit hash first (integers group and join faster than
# text), then compared exactly among the few rows whose hash repeats: stg_sources.find_excluded
# and expectations.base.key_unique. Equal keys hash alike, so no repeated key is missed; a
# collision only makes a candidate the exact comparison drops. Tests make it coarse to force them.
KEY_HASH = "hash({})"


def key_hash(columns: str) -> str:
    """The SQL hash of `columns` (quoted and comma-separated) that keys are grouped by first."""
    return KEY_HASH.format(columns)
