"""`ledger-audit generate --last-day-usage-rows N --usage-format .jsonl.gz`: one big new day.

Fails if the last day does not carry N more usage rows, if a usage file is not gzip JSONL under
a dt=YYYY-MM-DD folder, if the extra day changes the history or what was planted, if an extra
row is not paid in cash by a top-up of its own account made before it, or if the chunks do not
give the same bytes for the same seed. Exists because the benchmark's "one big new day on top
of history" trusts these zones.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ledger_audit.generate import bulk, generate

END = dt.date(2026, 11, 20)
LAST = f"dt={END.isoformat()}"
SMALL = {"accounts": 200, "days": 4, "usage_rows": 2_000, "end": END, "seed": 5,
         "usage_format": ".jsonl.gz"}
EXTRA = 3_000


@pytest.fixture(scope="module")
def zones(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("lastday")
    plain, big = root / "plain", root / "big"
    generate(plain, **SMALL)
    mp = pytest.MonkeyPatch()
    mp.setattr(bulk, "CHUNK_ROWS", 1_000)  # three chunks: the streaming path, at a small size
    try:
        generate(big, last_day_usage_rows=EXTRA, **SMALL)
    finally:
        mp.undo()
    return plain, big


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines() if line]


def _usage_files(zone: Path) -> list[Path]:
    return sorted(p for p in (zone / "usage").rglob("*") if p.is_file())


def test_last_day_carries_the_extra_rows(zones):
    plain, big = zones
    on_last = [sum(len(_rows(p)) for p in _usage_files(z) if p.parent.name == LAST)
               for z in (plain, big)]
    assert on_last[1] - on_last[0] == EXTRA


def test_every_usage_file_is_gzip_jsonl_under_a_dt_folder(zones):
    _, big = zones
    for p in _usage_files(big):
        rel = p.relative_to(big).as_posix()
        assert re.fullmatch(r"usage/dt=\d{4}-\d{2}-\d{2}/[\w-]+\.jsonl\.gz", rel), rel
        assert p.read_bytes()[:2] == b"\x1f\x8b", rel  # gzip magic
        assert all(isinstance(r, dict) and r["request_id"] for r in _rows(p)), rel


def test_history_and_planted_cases_are_unchanged(zones):
    plain, big = zones
    for p in _usage_files(plain):
        if p.parent.name != LAST:
            assert (big / p.relative_to(plain)).read_bytes() == p.read_bytes(), p
    for name in ("expected_violations.csv", "planted_near_misses.csv"):
        assert (big / name).read_text() == (plain / name).read_text()


def _topups(zone: Path, folder: str) -> pl.DataFrame:
    """Top-ups of the given dt= folders, each file read with its own format, as text."""
    frames = []
    for p in sorted((zone / "topups").glob(f"{folder}/*")):
        data = gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
        if ".csv" in p.name:
            df = pl.read_csv(io.BytesIO(data), infer_schema=False)
        elif ".jsonl" in p.name:
            df = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
        else:
            df = pl.read_parquet(io.BytesIO(data))
        frames.append(df.select(pl.col(c).cast(pl.Utf8) for c in
                                ("topup_id", "account_id", "paid_at", "amount", "status")))
    return pl.concat(frames)


def _ts(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_extra_rows_are_paid_in_cash_by_an_earlier_top_up_of_their_own(zones):
    plain, big = zones
    before = {r["request_id"] for p in _usage_files(plain) for r in _rows(p)}
    extra = [r for p in _usage_files(big) for r in _rows(p) if r["request_id"] not in before]
    assert len(extra) == EXTRA
    used: dict[str, Decimal] = defaultdict(Decimal)
    first: dict[str, dt.datetime] = {}
    for r in extra:
        assert Decimal(r["cash_amount"]) == Decimal(r["amount"]), r
        assert Decimal(r["trial_amount"]) == Decimal(r["discount_amount"]) == 0, r
        assert Decimal(r["unpaid_amount"]) == 0, r
        used[r["account_id"]] += Decimal(r["amount"])
        t = _ts(r["started_at"])
        first[r["account_id"]] = min(first.get(r["account_id"], t), t)
    plain_topups = set(_topups(plain, "*")["topup_id"])
    new_topups = _topups(big, LAST).filter(~pl.col("topup_id").is_in(plain_topups)).to_dicts()
    # every account with extra usage has a succeeded top-up before its first extra call that
    # covers all of that usage (the history's own top-ups already cover the history)
    cover = {r["account_id"]: r for r in new_topups}
    for acct, amount in used.items():
        t = cover.get(acct)
        assert t is not None and t["status"] == "succeeded", acct
        assert _ts(t["paid_at"]) < first[acct] and Decimal(t["amount"]) >= amount, (acct, t)


def test_same_seed_gives_the_same_bytes_of_the_big_day(zones, tmp_path, monkeypatch):
    _, big = zones
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 1_000)
    again = tmp_path / "again"
    generate(again, last_day_usage_rows=EXTRA, **SMALL)
    for p in sorted(big.rglob("*")):
        if p.is_file():
            assert (again / p.relative_to(big)).read_bytes() == p.read_bytes(), p
