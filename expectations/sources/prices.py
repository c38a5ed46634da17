"""staging.prices: one row per model price change (reference data; effective_from may lie in
the future, so it has no event-time check).

Warn: prices are not negative.
"""

from expectations.base import GX_WARN
from expectations.sources._contract import contract_suite


def extra(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, severity=GX_WARN)
        for c in ("input_price_per_1k", "output_price_per_1k")
    ]


SUITE = contract_suite("prices", extra=extra)
