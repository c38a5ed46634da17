"""Shared helpers of the generator: time in UTC microseconds, money in integer micro-yuan.

Internally every timestamp is an int64 count of microseconds since the Unix epoch (UTC) and every
amount an int64 count of micro-yuan (1 yuan = 1,000,000). Floats appear only as random draws and
are turned into integers before they become money.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import numpy as np

TZ_NAME = "Asia/Shanghai"
TZ = ZoneInfo(TZ_NAME)
US = 1_000_000  # microseconds per second
MICRO = 1_000_000  # micro-yuan per yuan
CENT = 10_000  # micro-yuan per fen
HOUR = 3600 * US
DAY = 24 * HOUR
NO_EXPIRY = np.iinfo(np.int64).max
BURN_DOWN = ("trial", "discount", "cash")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def local_us(day: dt.date, hh: int = 0, mm: int = 0, ss: int = 0) -> int:
    """The instant of wall-clock hh:mm:ss on `day` in the platform time zone, in UTC microseconds."""
    t = dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)
    return (t - _EPOCH) // dt.timedelta(microseconds=1)


def biz_date(us: int) -> dt.date:
    """Business date (platform time zone) of an instant."""
    return (_EPOCH + dt.timedelta(microseconds=int(us))).astimezone(TZ).date()


def money(text: str) -> int:
    """'12.30' -> 12300000 micro-yuan (exact)."""
    d = Decimal(text) * MICRO
    if d != d.to_integral_value():
        raise ValueError(f"{text} has more than 6 decimals")
    return int(d)


def round2(micro: int) -> Decimal:
    """micro-yuan -> Decimal rounded half-even to 2 decimals (amount_at_stake)."""
    return (Decimal(int(micro)) / MICRO).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def rate_nano(in_tok, out_tok, in_price, out_price):
    """Re-rated charge in nano-yuan (1e-9): tokens x (micro-yuan per 1k tokens)."""
    return np.asarray(in_tok, dtype=np.int64) * np.asarray(in_price, dtype=np.int64) + np.asarray(
        out_tok, dtype=np.int64
    ) * np.asarray(out_price, dtype=np.int64)


def half_even_div(x, d: int):
    """x / d rounded half-even, for int64 arrays of non-negative x (d > 0)."""
    x = np.asarray(x, dtype=np.int64)
    q, r = np.divmod(x, d)
    up = (2 * r > d) | ((2 * r == d) & (q % 2 == 1))
    return q + up.astype(np.int64)


def rate_micro(in_tok, out_tok, in_price, out_price):
    """The contract's re-rating: per-direction products summed, rounded once half-even to 6 dp."""
    return half_even_div(rate_nano(in_tok, out_tok, in_price, out_price), 1000)


def mix64(x, salt: int) -> np.ndarray:
    """A bijection of uint64 (splitmix64 finaliser): distinct inputs give distinct opaque outputs."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + np.uint64(
            (salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        )
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def hexes(x, salt: int, prefix: str = "", width: int = 16) -> list[str]:
    return [f"{prefix}{v:016x}"[: len(prefix) + width] for v in mix64(x, salt).tolist()]
