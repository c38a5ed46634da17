"""One big last day on top of the history (`generate --last-day-usage-rows N`), streamed.

The benchmark measures "one big new day on top of history", so the last day may carry far more
usage than fits in memory. Its rows are made and written one chunk at a time (gzip JSONL, as
logs arrive), each chunk from its own seeded generator, so memory does not grow with N and the
same seed gives the same bytes.

The rows must trigger no rule, so they go only to quiet background accounts: no grant (every
charge is then paid in cash), no enforcement action, nothing of any source in the last hour,
and not planted. Each such account gets one top-up right after its last record (at the earliest
the last day's midnight) covering its whole extra day, always at least the structuring limit
(so it never counts towards STRUCTURED_TOPUPS); every extra row comes after that top-up and
after all the account's other records, so its funding is all cash and the platform's cash
column equals the amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from core.errors import AuditError
from ledger_audit.generate.background import HALF_MS, MODEL_P, MODELS, price_lookup
from ledger_audit.generate.common import HOUR, MICRO, local_us, rate_micro
from ledger_audit.generate.writer import SOURCE_ORDER, WrittenFile, encode, to_text
from transforms.sources import SOURCES

CHUNK_ROWS = 1_000_000  # rows made and written at a time: bounds memory whatever N is
PREPAY_FLOOR = 10_000 * MICRO  # the structuring single limit: such a top-up never counts there
FMT = ".jsonl.gz"


@dataclass
class LastDay:
    written: list[WrittenFile] = field(default_factory=list)
    topups: list[dict] = field(default_factory=list)  # internal types, with _acct


def _latest_event(frames: dict[str, pl.DataFrame], acct_ids: pl.Series) -> np.ndarray:
    """Per account index, the latest instant of any record naming it (-1 for none)."""
    idx = pl.DataFrame({"account_id": acct_ids, "_i": np.arange(len(acct_ids), dtype=np.int64)})
    parts = []
    for s, df in frames.items():
        ts = [c.name for c in SOURCES[s].columns if c.type == "ts" and c.name in df.columns]
        if not ts or df.height == 0:
            continue
        for who in ("account_id", "counterparty_account_id"):
            if who in df.columns:
                parts.append(
                    df.select(pl.col(who).alias("account_id"), pl.max_horizontal(ts).alias("t"))
                )
    latest = np.full(len(acct_ids), -1, np.int64)
    if parts:
        m = (
            pl.concat(parts)
            .drop_nulls()
            .group_by("account_id")
            .agg(pl.col("t").max())
            .join(idx, on="account_id")
        )
        latest[m["_i"].to_numpy()] = m["t"].to_numpy()
    return latest


def write_last_day(
    out: Path,
    seed: int,
    rows: int,
    n_background: int,
    acct_ids: pl.Series,
    frames: dict[str, pl.DataFrame],
    usage_acct: np.ndarray,
    usage_at: np.ndarray,
    models_all: list[str],
    day: dt.date,
    now: int,
    ident: dict,
) -> LastDay:
    """Write `rows` usage rows on `day` (the last) in chunks; return the files and the top-ups."""
    t0 = local_us(day)
    latest = _latest_event(frames, acct_ids)
    np.maximum.at(latest, usage_acct, usage_at)
    busy = set(frames["grants"]["account_id"].to_list())
    busy |= set(frames["account_actions"]["account_id"].to_list())
    ids = acct_ids.to_list()
    quiet = np.array(
        [i for i in range(n_background) if latest[i] < now - HOUR and ids[i] not in busy],
        np.int64,
    )
    # each account's day starts at its first whole millisecond after its last record (at the
    # earliest the last day's midnight): the top-up there, then its usage
    base = (np.maximum(latest[quiet], t0) // 1000 + 1) * 1000
    if len(quiet) == 0:
        raise AuditError(
            "--last-day-usage-rows: no background account is quiet enough (no grant, no action,"
            " nothing in the last hour); use more --accounts"
        )
    rng = np.random.default_rng([seed % 2**63, 0x1A57])
    w = rng.pareto(1.1, len(quiet)) + 1.0
    counts = rng.multinomial(rows, w / w.sum()).astype(np.int64)
    cum = np.cumsum(counts)
    total = np.zeros(len(quiet), np.int64)
    si = SOURCE_ORDER.index("usage")
    res = LastDay()
    for c, lo in enumerate(range(0, rows, CHUNK_ROWS)):
        m = min(CHUNK_ROWS, rows - lo)
        r = np.random.default_rng([seed % 2**63, 0x1A57, c])
        k = np.searchsorted(cum, np.arange(lo, lo + m, dtype=np.int64), side="right")
        lo_t = base[k] + 1000  # strictly after the account's top-up, before `now`
        at = lo_t + (r.random(m) * (now - 1000 - lo_t)).astype(np.int64) // 1000 * 1000
        by_time = np.argsort(at, kind="stable")  # accounts interleave in time, as logs arrive
        at, k = at[by_time], k[by_time]
        model = r.choice(len(MODELS), size=m, p=MODEL_P)
        in_tok = np.clip(r.lognormal(np.log(1200), 1.0, m), 1, 200_000).astype(np.int64)
        out_tok = np.clip(r.lognormal(np.log(300), 1.0, m), 0, 20_000).astype(np.int64)
        pin, pout = price_lookup(frames["prices"], model, at, models_all)
        amount = rate_micro(in_tok, out_tok, pin, pout)
        np.add.at(total, k, amount)
        acc = acct_ids.gather(quiet[k])
        zero = np.zeros(m, np.int64)
        df = pl.DataFrame(
            {
                "request_id": pl.select(
                    pl.lit("q") + pl.Series(np.arange(lo, lo + m)).cast(pl.Utf8).str.zfill(11)
                ).to_series(),
                "account_id": acc,
                "api_key_id": pl.select(
                    pl.lit("k-") + acc + "-" + pl.Series(r.integers(0, 3, m)).cast(pl.Utf8)
                ).to_series(),
                "model": pl.Series(MODELS).gather(model),
                "started_at": at,
                "input_tokens": in_tok,
                "output_tokens": out_tok,
                "amount": amount,
                "cash_amount": amount,
                "trial_amount": zero,
                "discount_amount": zero,
                "unpaid_amount": zero,
                "moderation_label": pl.Series([None] * m, dtype=pl.Utf8),
            }
        )
        rel = f"usage/dt={day.isoformat()}/bulk-{c:05d}{FMT}"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(to_text("usage", df, salt=si * 1000 + 900 + c), FMT))
        res.written.append(WrittenFile("usage", rel, FMT, m))
        del df, acc, at, k, model, in_tok, out_tok, pin, pout, amount
    payer = ident["payer_ref_hash"]
    for j in np.flatnonzero(counts > 0).tolist():
        a = int(quiet[j])
        need = -(-int(total[j]) * 12 // 10 // MICRO) * MICRO  # 1.2 x the day, whole yuan up
        res.topups.append(
            {
                "topup_id": f"TL{j:08d}",
                "account_id": ids[a],
                "paid_at": int(base[j]) + HALF_MS,
                "amount": PREPAY_FLOOR + need,
                "method": "alipay",
                "payer_ref_hash": payer[a],
                "payer_id_hash": None,
                "promotion_ids": None,
                "status": "succeeded",
                "chargeback_at": None,
                "_acct": a,
            }
        )
    return res
