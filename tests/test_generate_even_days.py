"""`ledger-audit generate --even-days`: every day carries the same number of usage rows.

Fails if the days of an even zone differ by more than a few percent, if the flag changes
nothing (the default zone's days grow as accounts join, so the two must differ), or if an even
zone's planted violations are not exactly what a night finds. Exists because the benchmark's
"thirty nights of 1 million rows each" compares nights of one size only on such zones.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from ledger_audit.generate import generate
from ledger_audit.pipeline import run_night

END = dt.date(2026, 11, 20)
ZONE = {"accounts": 2_000, "days": 10, "usage_rows": 60_000, "end": END, "seed": 3,
        "usage_format": ".jsonl.gz"}


def _per_day(zone: Path) -> Counter:
    days = Counter()
    for p in (zone / "usage").rglob("*.jsonl.gz"):
        days[p.parent.name] += sum(1 for line in gzip.decompress(p.read_bytes()).splitlines() if line)
    return days


@pytest.fixture(scope="module")
def zones(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("even")
    generate(root / "even", even_days=True, **ZONE)
    generate(root / "growing", **ZONE)
    return root / "even", root / "growing"


def test_every_day_carries_the_same_number_of_calls(zones):
    days = _per_day(zones[0])
    assert len(days) == ZONE["days"]
    mean = sum(days.values()) / len(days)
    assert all(abs(n - mean) <= 0.05 * mean for n in days.values()), sorted(days.items())


def test_without_the_flag_the_days_grow_as_accounts_join(zones):
    days = _per_day(zones[1])
    first, last = days[f"dt={END - dt.timedelta(days=ZONE['days'] - 1)}"], days[f"dt={END}"]
    assert last > 1.2 * first, sorted(days.items())


def test_a_night_on_an_even_zone_finds_exactly_what_was_planted(zones, tmp_path):
    even = zones[0]
    wh = tmp_path / "warehouse.duckdb"
    run_night(even, wh, END, Config())
    with open(even / "expected_violations.csv", newline="") as f:
        expected = {(r["rule_id"], r["subject_id"], Decimal(r["amount_at_stake"]))
                    for r in csv.DictReader(f)}
    con = duckdb.connect(str(wh), read_only=True)
    found = set(con.execute("SELECT rule_id, subject_id, amount_at_stake FROM marts.violations").fetchall())
    assert not expected - found and not found - expected, (
        f"missing {sorted(expected - found)[:10]}\nunexpected {sorted(found - expected)[:10]}")
