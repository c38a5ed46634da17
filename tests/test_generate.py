"""`ledger-audit generate`: the synthetic landing zone follows the contract and is reproducible.

Fails if the same seed stops giving the same bytes, a source or format goes missing, a rule of
rule has no planted case, a file does not parse or lacks a required column, or a background
usage row is mis-funded or mis-rated. Exists because the benchmark and the end-to-end checks
trust this generator's expected lists.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core.errors import AuditError
from ledger_audit.generate import generate
from ledger_audit.generate.common import local_us
from ledger_audit.generate.funding import BalanceInputs, allocate
from transforms.rules import discover
from transforms.sources import FORMATS, SOURCES

SMALL = {"accounts": 150, "days": 6, "end": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "a"
    generate(out, seed=3, **SMALL)
    return out


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _fmt(path: Path) -> str:
    return next(f for f in sorted(FORMATS, key=len, reverse=True) if path.name.endswith(f))


def _read(path: Path) -> pl.DataFrame:
    """A landing file as text columns, read with its own format."""
    fmt = _fmt(path)
    data = path.read_bytes()
    if fmt.endswith(".gz"):
        data = gzip.decompress(data)
    if fmt.startswith(".csv"):
        return pl.read_csv(io.BytesIO(data), infer_schema=False)
    if fmt.startswith(".jsonl"):
        return pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
    return pl.read_parquet(io.BytesIO(data))


def _files(zone: Path, source: str) -> list[Path]:
    return sorted((zone / source).rglob("*.*"))


def _usage(zone: Path, part_files_only: bool = True) -> pl.DataFrame:
    frames = [
        _read(p) for p in _files(zone, "usage") if not part_files_only or p.name.startswith("part-")
    ]
    cols = [c.name for c in SOURCES["usage"].columns]
    return pl.concat([f.select([pl.col(c).cast(pl.Utf8) for c in cols]) for f in frames])


def _rule_ids() -> list[str]:
    return sorted(r.rule_id for r in discover())


def test_same_seed_gives_byte_identical_tree(zone, tmp_path):
    again = tmp_path / "b"
    generate(again, seed=3, **SMALL)
    assert _tree(again) == _tree(zone)


def test_different_seed_gives_different_data(zone, tmp_path):
    other = tmp_path / "c"
    generate(other, seed=4, **SMALL)
    a, b = _tree(zone), _tree(other)
    differing = [k for k in a if k in b and a[k] != b[k]]
    assert len(differing) > 5


def test_every_source_and_every_format_present(zone):
    seen: dict[str, set[str]] = {}
    for source in SOURCES:
        files = _files(zone, source)
        assert files, f"no files for {source}"
        for p in files:
            assert re.fullmatch(r"dt=\d{4}-\d{2}-\d{2}", p.parent.name)
            seen.setdefault(_fmt(p), set()).add(source)
    assert set(seen) == set(FORMATS)
    assert all(len(sources) >= 3 for sources in seen.values()), seen


def test_every_rule_is_planted(zone):
    rule_ids = _rule_ids()
    assert len(rule_ids) >= 34
    expected = pl.read_csv(zone / "expected_violations.csv", infer_schema=False)
    assert expected.columns == ["rule_id", "subject_id", "amount_at_stake"]
    assert set(rule_ids) <= set(expected["rule_id"])
    assert set(expected["rule_id"]) <= set(rule_ids)
    assert expected.select("rule_id", "subject_id").is_duplicated().sum() == 0
    assert expected["amount_at_stake"].str.contains(r"^\d+\.\d\d$").all()


def test_subject_ids_take_the_forms_of_rules_md(zone):
    expected = pl.read_csv(zone / "expected_violations.csv", infer_schema=False)
    acct_date = {
        "FUNDING_MISMATCH",
        "TRIAL_USED_AFTER_EXPIRY",
        "USAGE_WITHOUT_BALANCE",
        "USAGE_WHILE_SUSPENDED",
        "USAGE_AFTER_TERMINATION",
    }
    for rule, subject in expected.select("rule_id", "subject_id").iter_rows():
        if rule == "RATING_MISMATCH":
            assert re.fullmatch(r"[^|]+\|[^|]+\|\d{4}-\d{2}-\d{2}", subject)
        elif rule in acct_date:
            assert re.fullmatch(r"[^|]+\|\d{4}-\d{2}-\d{2}", subject)
        else:
            assert "|" not in subject


def test_every_file_parses_with_its_format_and_has_the_required_columns(zone):
    load = pl.read_csv(zone / "expected_load.csv")
    rows_read = dict(zip(load["file"], load["rows_read"]))
    n = 0
    for source, src in SOURCES.items():
        for p in _files(zone, source):
            df = _read(p)
            assert set(src.required) <= set(df.columns), p
            assert rows_read[str(p.relative_to(zone))] == df.height
            n += 1
    assert n == load.height


def test_loader_cases_are_listed(zone):
    load = pl.read_csv(zone / "expected_load.csv")
    assert load["rows_duplicate"].sum() >= 3
    assert load["rows_quarantined"].sum() >= 15
    # a file with an unknown column exists (the loader must ignore it)
    assert any("ingest_batch" in _read(p).columns for p in _files(zone, "usage"))


def test_funding_parts_sum_to_amount_in_every_row(zone):
    u = _usage(zone)
    parts = ["cash_amount", "trial_amount", "discount_amount", "unpaid_amount"]
    bad = [
        r
        for r in u.select(["request_id", "amount", *parts]).iter_rows()
        if sum(Decimal(x or "0") for x in r[2:]) != Decimal(r[1])
    ]
    assert u.height > 1000
    assert bad == []


def test_background_usage_is_always_covered(zone):
    u = _usage(zone).filter(pl.col("request_id").str.starts_with("r"))
    assert u.height > 1000
    assert all(Decimal(x or "0") == 0 for x in u["unpaid_amount"])


def test_background_amounts_equal_the_re_rating(zone):
    prices = pl.concat([_read(p) for p in _files(zone, "prices")])
    table: dict[str, list] = {}
    for m, eff, pin, pout in prices.select(
        "model", "effective_from", "input_price_per_1k", "output_price_per_1k"
    ).iter_rows():
        table.setdefault(m, []).append(
            (dt.datetime.fromisoformat(eff), Decimal(pin), Decimal(pout))
        )
    u = _usage(zone)
    wrong = []
    for rid, model, started, i, o, amount in u.select(
        "request_id", "model", "started_at", "input_tokens", "output_tokens", "amount"
    ).iter_rows():
        t = dt.datetime.fromisoformat(started)
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
        in_force = [p for p in table[model] if p[0] <= t]
        pin, pout = max(in_force)[1:] if in_force else (Decimal(0), Decimal(0))
        rated = (int(i) * pin / 1000 + int(o) * pout / 1000).quantize(
            Decimal("0.000001"), ROUND_HALF_EVEN
        )
        if rated != Decimal(amount):
            wrong.append(rid)
    # only the planted RATING_MISMATCH call is charged differently
    assert len(wrong) == 1 and wrong[0].startswith("preq")


def test_refund_equal_to_refundable_and_other_near_misses_are_not_expected(zone):
    near = pl.read_csv(zone / "planted_near_misses.csv")
    assert set(near["rule_id"]) == set(_rule_ids())


def test_allocation_burns_trial_then_discount_then_cash_with_expiry_and_refund():
    a = np.array
    # account 0: trial 3 (t=5, expires 15), top-up 10 (t=10), discount 5 linked to it (t=10);
    # calls: 1 at t=10 (ties with the credits: credits first), 4 at 20, 5 at 30, 5 at 60, 3 at 70;
    # refund 1 of the top-up at t=25 (voids the discount's remainder).
    bal = BalanceInputs(
        topup_acct=a([0]),
        topup_at=a([10]),
        topup_amount=a([10]),
        topup_rank=a([0]),
        grant_acct=a([0, 0]),
        grant_kind=a([0, 1]),
        grant_at=a([5, 10]),
        grant_expires=a([15, np.iinfo(np.int64).max]),
        grant_amount=a([3, 5]),
        grant_topup=a([-1, 0]),
        grant_rank=a([0, 1]),
        refund_acct=a([0]),
        refund_at=a([25]),
        refund_amount=a([1]),
        refund_topup=a([0]),
        refund_rank=a([0]),
    )
    result = allocate(
        bal,
        a([0, 0, 0, 0, 0]),
        a([20, 30, 60, 70, 10]),
        a([0, 1, 2, 3, 4]),
        a([4, 5, 5, 3, 1]),
        now=100,
    )
    expected = {
        "trial": [0, 0, 0, 0, 1],  # 2 left forfeited at t=15
        "discount": [4, 0, 0, 0, 0],  # 1 left voided by the refund
        "cash": [0, 5, 4, 0, 0],  # 10 - 1 refunded
        "unpaid": [0, 0, 1, 3, 0],
    }
    assert {k: v.tolist() for k, v in result.items()} == expected


def test_planted_times_are_business_dates_in_shanghai(zone):
    expected = pl.read_csv(zone / "expected_violations.csv", infer_schema=False)
    dates = expected["subject_id"].str.extract(r"(\d{4}-\d{2}-\d{2})$").drop_nulls()
    assert dates.len() > 0
    assert all(d <= "2026-11-20" for d in dates)
    assert local_us(dt.date(2026, 11, 20)) == 1_795_104_000_000_000  # 2026-11-19T16:00Z


def test_refuses_to_overwrite_a_folder_that_is_not_a_generated_zone(tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    with pytest.raises(AuditError, match="not a generated landing zone"):
        generate(tmp_path, seed=1, **SMALL)
    assert (tmp_path / "keep.txt").read_text() == "precious"
