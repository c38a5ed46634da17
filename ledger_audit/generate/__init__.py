"""`ledger-audit generate`: a synthetic landing zone with planted cases of every rule.

    generate(out, accounts=1000, days=30, seed=1, end=date(2026, 11, 20), usage_rows=None) -> str

Writes `out/<source>/dt=YYYY-MM-DD/part-NNN.<ext>` for the eleven sources of
docs/data-contract.md, plus
- `out/expected_violations.csv` (rule_id, subject_id, amount_at_stake): exactly the rows
  `marts.violations` must hold after `ledger-audit run --date <end>` with default settings;
- `out/expected_load.csv` (source, file, rows_read, rows_duplicate, rows_quarantined): one row
  per file written, `file` relative to `out`;
- `out/planted_near_misses.csv` (rule_id, near_miss): what was planted just short of each rule.
Same arguments, same bytes.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from core.errors import AuditError
from ledger_audit.generate import background, loadcases, planted
from ledger_audit.generate.common import DAY, NO_EXPIRY, biz_date, local_us, rate_micro, round2
from ledger_audit.generate.funding import BalanceInputs, allocate
from ledger_audit.generate.writer import write_source
from transforms.sources import SOURCES

DEFAULT_END = dt.date(2026, 11, 20)
TRIAL_DAYS = 30
MODELS_ALL = background.MODELS + [planted.PLANTED_MODEL]
_PL = {
    "ts": pl.Int64,
    "money2": pl.Int64,
    "money6": pl.Int64,
    "int": pl.Int64,
    "date": pl.Date,
    "bool": pl.Boolean,
    "str": pl.Utf8,
    "enum": pl.Utf8,
}
PARTITION_COLUMN = {
    "accounts": "updated_at",
    "topups": "paid_at",
    "grants": "granted_at",
    "promotions": None,
    "usage": "started_at",
    "prices": "effective_from",
    "invoices": "issued_at",
    "refunds": "requested_at",
    "account_actions": "at",
    "adjustments": "at",
    "claims": "filed_at",
}


def _frame(source: str, df: pl.DataFrame | list[dict] | None) -> pl.DataFrame:
    """Contract columns in internal types (µs ints, micro-yuan ints), plus `_acct` if present."""
    schema = {c.name: _PL[c.type] for c in SOURCES[source].columns}
    if df is None or (isinstance(df, list) and not df):
        return pl.DataFrame(schema=schema)
    if isinstance(df, list):
        keys = list(schema) + (["_acct"] if "_acct" in df[0] else [])
        df = pl.DataFrame(
            [{k: r.get(k) for k in keys} for r in df],
            schema={**schema, **({"_acct": pl.Int64} if "_acct" in keys else {})},
        )
    cols = [
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c)
        for c, t in schema.items()
    ]
    if "_acct" in df.columns:
        cols.append(pl.col("_acct").cast(pl.Int64))
    return df.select(cols)


def generate(
    out: str | Path,
    *,
    accounts: int = 1000,
    days: int = 30,
    seed: int = 1,
    end: dt.date = DEFAULT_END,
    usage_rows: int | None = None,
) -> str:
    """Write the landing zone and its expected lists into `out`; return a short summary."""
    out = Path(out)
    if accounts < 1 or days < 1 or (usage_rows is not None and usage_rows < 0):
        raise AuditError("--accounts and --days must be at least 1, --usage-rows at least 0")
    if out.exists():
        # only ever replace an earlier generated zone, never an unrelated folder
        if any(out.iterdir()) and not (out / "expected_violations.csv").exists():
            raise AuditError(
                f"{out} exists and is not a generated landing zone; not overwriting it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    bg = background.build(rng, accounts, days, end, usage_rows)
    n, now = bg["n"], bg["now"]
    pt = planted.plant(n, end)

    # ---- all accounts, top-ups, grants, refunds (background + planted)
    acct_ids = pl.concat([bg["account_id"], pl.Series([a.account_id for a in pt.accounts])])
    frames = {
        s: _frame(s, bg.get(s))
        for s in SOURCES
        if s not in ("usage", "invoices", "claims", "account_actions")
    }
    for s, rows in pt.rows.items():
        if s != "usage":
            frames[s] = pl.concat(
                [frames.get(s, _frame(s, None)), _frame(s, rows)], how="diagonal_relaxed"
            )

    # ---- usage: background arrays + planted rows, re-rated
    u = bg.pop("usage")  # popped so that its arrays can be freed once the frame is built
    pu = pt.rows.get("usage", [])
    p_model = np.array([MODELS_ALL.index(r["model"]) for r in pu], np.int64)
    p_at = np.array([r["started_at"] for r in pu], np.int64)
    p_in = np.array([r["input_tokens"] for r in pu], np.int64)
    p_out = np.array([r["output_tokens"] for r in pu], np.int64)
    pin, pout = background.price_lookup(frames["prices"], p_model, p_at, MODELS_ALL)
    p_amt = rate_micro(p_in, p_out, pin, pout) + np.array([r["_delta"] for r in pu], np.int64)
    nb, npu = len(u["acct"]), len(pu)
    all_acct = np.concatenate([u["acct"], np.array([r["_acct"] for r in pu], np.int64)])
    all_at = np.concatenate([u["at"], p_at])
    all_amt = np.concatenate([u["amount"], p_amt])
    all_rank = np.arange(nb + npu, dtype=np.int64)  # request ids are numbered in this order

    # ---- funding: the platform's columns equal the recomputed allocation (planted overrides aside)
    top = frames["topups"].with_row_index("_i")
    top_rank = top["topup_id"].rank("ordinal").cast(pl.Int64).to_numpy()
    rank_of = dict(zip(top["topup_id"].to_list(), top_rank.tolist()))
    ok = (top["status"] == "succeeded").to_numpy()
    g = frames["grants"]
    g_kind = (g["kind"] == "discount").cast(pl.Int64).to_numpy()
    g_at = g["granted_at"].to_numpy()
    g_exp_raw = g["expires_at"].fill_null(-1).to_numpy()
    g_exp = np.where(
        g_exp_raw >= 0, g_exp_raw, np.where(g_kind == 0, g_at + TRIAL_DAYS * DAY, NO_EXPIRY)
    )
    g_top = np.array([rank_of.get(t, -1) if t else -1 for t in g["topup_id"].to_list()], np.int64)
    rf = frames["refunds"]
    takes = rf["status"].is_in(["approved", "paid"]).to_numpy()
    r_at = rf["decided_at"].fill_null(rf["requested_at"]).to_numpy()
    bal = BalanceInputs(
        topup_acct=top["_acct"].to_numpy()[ok],
        topup_at=top["paid_at"].to_numpy()[ok],
        topup_amount=top["amount"].to_numpy()[ok],
        topup_rank=top_rank[ok],
        grant_acct=g["_acct"].to_numpy(),
        grant_kind=g_kind,
        grant_at=g_at,
        grant_expires=g_exp,
        grant_amount=g["amount"].to_numpy(),
        grant_topup=g_top,
        grant_rank=g["grant_id"].rank("ordinal").cast(pl.Int64).to_numpy(),
        refund_acct=rf["_acct"].to_numpy()[takes],
        refund_at=r_at[takes],
        refund_amount=rf["amount"].to_numpy()[takes],
        refund_topup=np.array([rank_of[t] for t in rf["topup_id"].to_list()], np.int64)[takes],
        refund_rank=rf["refund_id"].rank("ordinal").cast(pl.Int64).to_numpy()[takes],
    )
    parts = allocate(bal, all_acct, all_at, all_rank, all_amt, now)
    p_rids = [r["request_id"] for r in pu]
    for k, rid in enumerate(p_rids):
        if rid in pt.overrides:
            for kind, v in pt.overrides[rid].items():
                parts[kind][nb + k] = v

    # ---- background records that need funding: invoices, claims, enforcement
    border = np.lexsort((u["at"], u["acct"]))
    post = background.after_funding(
        rng,
        bg,
        {
            "acct": u["acct"][border],
            "at": u["at"][border],
            "model_idx": u["model_idx"][border],
            "cash": parts["cash"][:nb][border],
        },
    )
    for s in ("invoices", "claims", "account_actions"):
        frames[s] = pl.concat([_frame(s, post[s]), _frame(s, pt.rows.get(s))])

    # ---- usage frame
    rid = pl.concat(
        [
            pl.select(
                pl.lit("r") + pl.Series(np.arange(nb, dtype=np.int64)).cast(pl.Utf8).str.zfill(11)
            ).to_series(),
            pl.Series(p_rids, dtype=pl.Utf8),
        ]
    )
    key_no = np.concatenate([u["key"], np.zeros(npu, np.int64)])

    usage = pl.DataFrame(
        {
            "request_id": rid,
            "account_id": acct_ids.gather(all_acct),
            "api_key_id": pl.select(
                pl.lit("k-") + acct_ids.gather(all_acct) + "-" + pl.Series(key_no).cast(pl.Utf8)
            ).to_series(),
            "model": pl.Series(MODELS_ALL).gather(np.concatenate([u["model_idx"], p_model])),
            "started_at": all_at,
            "input_tokens": np.concatenate([u["in_tok"], p_in]),
            "output_tokens": np.concatenate([u["out_tok"], p_out]),
            "amount": all_amt,
            "cash_amount": parts["cash"],
            "trial_amount": parts["trial"],
            "discount_amount": parts["discount"],
            "unpaid_amount": parts["unpaid"],
            "moderation_label": pl.concat(
                [
                    pl.select(
                        pl.when(pl.Series(u["moderated"]))
                        .then(pl.lit("violence"))
                        .otherwise(pl.lit(None, pl.Utf8))
                    ).to_series(),
                    pl.Series([r["moderation_label"] for r in pu], dtype=pl.Utf8),
                ]
            ),
        }
    )
    frames["usage"] = usage
    del u, parts, all_acct, all_at, all_amt, all_rank, post, border, key_no, p_model, p_in, p_out

    # ---- write every source
    start_day = end - dt.timedelta(days=days - 1)
    day_list = [start_day + dt.timedelta(days=i) for i in range(days)]
    start_us = local_us(start_day)
    written = []
    for s in SOURCES:
        df = frames[s].drop("_acct", strict=False) if "_acct" in frames[s].columns else frames[s]
        col = PARTITION_COLUMN[s]
        if col is None:
            pidx = np.zeros(df.height, np.int64)
        else:
            t = df[col].to_numpy()
            pidx = np.clip((t - start_us) // DAY, 0, days - 1).astype(np.int64)
            # whole days from the first midnight = business-date index (Asia/Shanghai has no DST)
        fpp = (lambda pi: 1 + pi % 3) if s == "usage" else (lambda pi: 1 + (pi % 5 == 2))
        written += write_source(out, s, df, pidx, day_list, fpp)
    frames.pop("usage")
    written += loadcases.plant_loader_cases(out, frames, usage, day_list, written)

    # ---- expected lists
    exp = sorted((r, sub, str(round2(a))) for r, sub, a in pt.expected)
    pl.DataFrame(exp, schema=["rule_id", "subject_id", "amount_at_stake"], orient="row").write_csv(
        out / "expected_violations.csv"
    )
    pl.DataFrame(
        [(w.source, w.file, w.rows_read, w.rows_duplicate, w.rows_quarantined) for w in written],
        schema=["source", "file", "rows_read", "rows_duplicate", "rows_quarantined"],
        orient="row",
    ).sort("file").write_csv(out / "expected_load.csv")
    pl.DataFrame(pt.near_misses, schema=["rule_id", "near_miss"], orient="row").write_csv(
        out / "planted_near_misses.csv"
    )

    counts = {}
    for w in written:
        counts[w.source] = counts.get(w.source, 0) + w.rows_read
    lines = [
        f"wrote {len(written)} files to {out} ({', '.join(sorted({w.fmt for w in written}))})",
        "rows: " + ", ".join(f"{s} {counts.get(s, 0):,}" for s in SOURCES),
        (
            f"planted: {len(pt.accounts)} accounts, {len(exp)} expected violations of "
            f"{len({e[0] for e in exp})} rules, {len(pt.near_misses)} near misses"
        ),
        f"expected: {out / 'expected_violations.csv'}, {out / 'expected_load.csv'}",
        f"business dates {start_day} .. {end} (Asia/Shanghai), now = {biz_date(now - 1)} 24:00",
    ]
    return "\n".join(lines)
