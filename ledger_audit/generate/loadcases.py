"""Loader cases: re-delivered duplicates, differing copies and bad rows (rules.md §6).

They go into `redelivery-*` files in the last partition, so they always come after the record
they copy (by dt, then file name: "redelivery" sorts after "part"). None of them changes what
the audit flags: an identical duplicate is dropped, a differing copy is quarantined (the first
copy stays) and every bad row is quarantined.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ledger_audit.generate.writer import WrittenFile, to_text, write_raw

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _utc_text(us: int) -> str:
    """The same instant in another offset: +00:00."""
    return (_EPOCH + dt.timedelta(microseconds=int(us))).isoformat(timespec="microseconds")


def _strip(text: str) -> str:
    """'12.300000' -> '12.3', '100.00' -> '100.0': same decimal, other spelling."""
    if "." not in text:
        return text
    t = text.rstrip("0")
    return t + "0" if t.endswith(".") else t


def _row(source: str, df: pl.DataFrame, i: int) -> dict:
    return to_text(source, df[i : i + 1], salt=99).row(0, named=True)


def plant_loader_cases(
    out: Path,
    frames: dict[str, pl.DataFrame],
    usage: pl.DataFrame,
    days: list[dt.date],
    written: list[WrittenFile],
    usage_format: str | None = None,
) -> list[WrittenFile]:
    last = days[-1]
    new: list[WrittenFile] = []
    # ---- usage: re-deliver the two earliest background calls
    cand = (
        usage.with_row_index("_i")
        .filter(pl.col("request_id").str.starts_with("r"))
        .sort("started_at")
        .head(2)
    )
    if cand.height == 2:
        i0, i1 = cand["_i"].to_list()
        dup = _row("usage", usage, i0)
        for c in ("amount", "cash_amount", "trial_amount", "discount_amount", "unpaid_amount"):
            if dup[c]:
                dup[c] = _strip(dup[c])
        dup["started_at"] = _utc_text(usage["started_at"][i0])
        diff = _row("usage", usage, i1)
        amt = usage["amount"][i1] + 1
        diff["amount"] = f"{amt // 1_000_000}.{amt % 1_000_000:06d}"
        acc = dup["account_id"]
        base = dict(dup)
        bad = []
        for k, change in enumerate(
            [
                {"input_tokens": "-5"},
                {"account_id": ""},
                {"started_at": "2026-11-31T25:61:00+08:00"},
                {"amount": "0.1234567"},
                {"amount": "abc"},
                {"output_tokens": "many"},
            ]
        ):
            r = {**base, "request_id": f"rbad{k:07d}", "account_id": acc, **change}
            bad.append(r)
        w = write_raw(
            out, "usage", last, "redelivery-000", [dup, diff] + bad, usage_format or ".csv"
        )
        w.rows_duplicate, w.rows_quarantined = 1, 1 + len(bad)
        new.append(w)
    # ---- top-ups
    t = frames["topups"]
    cand = (
        t.with_row_index("_i")
        .filter(pl.col("topup_id").str.starts_with("T"))
        .sort("paid_at")
        .head(2)
    )
    if cand.height == 2:
        i0, i1 = cand["_i"].to_list()
        dup = _row("topups", t, i0)
        dup["amount"] = _strip(dup["amount"])
        dup["paid_at"] = _utc_text(t["paid_at"][i0])
        diff = _row("topups", t, i1)
        diff["method"] = "card" if diff["method"] != "card" else "alipay"
        base = _row("topups", t, i0)
        bad = [
            {**base, "topup_id": f"Tbad{k:05d}", **change}
            for k, change in enumerate(
                [
                    {"method": "paypal"},
                    {"amount": "0.00"},
                    {"amount": "12.345"},
                    {"payer_ref_hash": None},
                    {"status": "pending"},
                    {"amount": "-100.00"},
                ]
            )
        ]
        w = write_raw(out, "topups", last, "redelivery-000", [dup, diff] + bad, ".jsonl.gz")
        w.rows_duplicate, w.rows_quarantined = 1, 1 + len(bad)
        new.append(w)
    # ---- grants: bad rows only
    g = frames["grants"]
    if g.height:
        base = _row("grants", g, 0)
        bad = [
            {**base, "grant_id": f"Gbad{k:05d}", **change}
            for k, change in enumerate(
                [
                    {"amount": "-5.00"},
                    {"amount": "0"},
                    {"kind": "voucher"},
                    {"granted_at": "yesterday"},
                ]
            )
        ]
        w = write_raw(out, "grants", last, "redelivery-000", bad, ".parquet")
        w.rows_quarantined = len(bad)
        new.append(w)
    # ---- accounts: an identical version re-delivered in UTC, and a bad enum
    a = frames["accounts"]
    cand = a.with_row_index("_i").filter(pl.col("account_id").str.starts_with("A")).head(1)
    if cand.height:
        i0 = cand["_i"][0]
        dup = _row("accounts", a, i0)
        for c in ("updated_at", "registered_at", "real_name_verified_at"):
            if a[c][i0] is not None:
                dup[c] = _utc_text(a[c][i0])
        bad = {**dup, "account_id": "Abad00001", "account_type": "vip"}
        w = write_raw(out, "accounts", last, "redelivery-000", [dup, bad], ".csv.gz")
        w.rows_duplicate, w.rows_quarantined = 1, 1
        new.append(w)
    # ---- refunds: a bad status and a missing required amount
    r = frames["refunds"]
    if r.height:
        base = _row("refunds", r, 0)
        bad = [
            {**base, "refund_id": "Rbad00001", "status": "done"},
            {**base, "refund_id": "Rbad00002", "amount": None},
        ]
        w = write_raw(out, "refunds", last, "redelivery-000", bad, ".jsonl")
        w.rows_quarantined = len(bad)
        new.append(w)
    return new
