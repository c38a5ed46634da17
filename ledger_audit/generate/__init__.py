"""`ledger-audit generate`: a synthetic landing zone with planted cases of every rule.

    generate(out, accounts=1000, days=30, seed=1, end=date(2026, 11, 20), usage_rows=None,
             last_day_usage_rows=0, usage_format=None, even_days=False) -> str

Writes `out/<source>/dt=YYYY-MM-DD/part-NNN.<ext>` for the eleven sources of
docs/data-contract.md, plus
- `out/expected_violations.csv` (rule_id, subject_id, amount_at_stake): exactly the rows
  `marts.violations` must hold after `ledger-audit run --date <end>` with default settings;
- `out/expected_load.csv` (source, file, rows_read, rows_duplicate, rows_quarantined): one row
  per file written, `file` relative to `out`;
- `out/planted_near_misses.csv` (rule_id, near_miss): what was planted just short of each rule.
Same arguments, same bytes.

Usage is written one partition at a time (its text is never built for all rows at once);
`usage_format` (e.g. ".jsonl.gz", as logs arrive) fixes the format of its files, else formats
rotate. `last_day_usage_rows` adds that many usage rows on the last day, made and written in
chunks (bulk.py), so a day far larger than memory can be generated on top of the history.
`even_days` gives every day the same number of background calls (else days grow as accounts
join), so a benchmark of nights in turn compares nights of one size.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from core.errors import AuditError
from ledger_audit.generate import background, bulk, loadcases, planted
from ledger_audit.generate.common import DAY, NO_EXPIRY, biz_date, local_us, rate_micro, round2
from ledger_audit.generate.funding import BalanceInputs, allocate_in_groups
from ledger_audit.generate.writer import write_source
from transforms.sources import FORMATS, SOURCES

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
    last_day_usage_rows: int = 0,
    usage_format: str | None = None,
    even_days: bool = False,
) -> str:
    """Write the landing zone and its expected lists into `out`; return a short summary."""
    out = Path(out)
    if accounts < 1 or days < 1 or (usage_rows is not None and usage_rows < 0):
        raise AuditError("--accounts and --days must be at least 1, --usage-rows at least 0")
    if last_day_usage_rows < 0 or (last_day_usage_rows and days < 2):
        raise AuditError("--last-day-usage-rows must be at least 0, and needs --days of at least 2")
    if usage_format not in (None, *FORMATS):
        raise AuditError(f"--usage-format must be one of {', '.join(FORMATS)}")
    if out.exists():
        # only ever replace an earlier generated zone, never an unrelated folder
        if any(out.iterdir()) and not (out / "expected_violations.csv").exists():
            raise AuditError(
                f"{out} exists and is not a generated landing zone; not overwriting it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    bg = background.build(rng, accounts, days, end, usage_rows, even_days)
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
    parts = allocate_in_groups(bal, all_acct, all_at, all_rank, all_amt, now)
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

    # ---- usage: the background's and the planted arrays, in request-id order; the text frame
    # is built one partition at a time by usage_frame (never all rows as strings at once)
    model_all = np.concatenate([u["model_idx"], p_model])
    in_all = np.concatenate([u["in_tok"], p_in])
    out_all = np.concatenate([u["out_tok"], p_out])
    key_all = np.concatenate([u["key"], np.zeros(npu, np.int64)])
    mod_all = np.concatenate([u["moderated"], np.zeros(npu, bool)])
    p_labels = [r["moderation_label"] for r in pu]
    models = pl.Series(MODELS_ALL)
    del u, all_rank, post, border, p_in, p_out

    def usage_frame(rows: np.ndarray) -> pl.DataFrame:
        rows = np.asarray(rows, np.int64)
        acc = acct_ids.gather(all_acct[rows])
        rid = pl.select(pl.lit("r") + pl.Series(rows).cast(pl.Utf8).str.zfill(11)).to_series()
        label = pl.select(
            pl.when(pl.Series(mod_all[rows]))
            .then(pl.lit("violence"))
            .otherwise(pl.lit(None, pl.Utf8))
        ).to_series()
        pos = np.flatnonzero(rows >= nb)
        if len(pos):
            rid = rid.scatter(pos, pl.Series([p_rids[i - nb] for i in rows[pos]], dtype=pl.Utf8))
            label = label.scatter(
                pos, pl.Series([p_labels[i - nb] for i in rows[pos]], dtype=pl.Utf8)
            )
        return pl.DataFrame(
            {
                "request_id": rid,
                "account_id": acc,
                "api_key_id": pl.select(
                    pl.lit("k-") + acc + "-" + pl.Series(key_all[rows]).cast(pl.Utf8)
                ).to_series(),
                "model": models.gather(model_all[rows]),
                "started_at": all_at[rows],
                "input_tokens": in_all[rows],
                "output_tokens": out_all[rows],
                "amount": all_amt[rows],
                "cash_amount": parts["cash"][rows],
                "trial_amount": parts["trial"][rows],
                "discount_amount": parts["discount"][rows],
                "unpaid_amount": parts["unpaid"][rows],
                "moderation_label": label,
            }
        )

    # ---- write every source
    start_day = end - dt.timedelta(days=days - 1)
    day_list = [start_day + dt.timedelta(days=i) for i in range(days)]
    start_us = local_us(start_day)
    written = []
    if last_day_usage_rows:
        # one big last day on top of the history above: streamed in chunks, cash-funded by a
        # top-up of its own per account (written with the other top-ups below)
        res = bulk.write_last_day(
            out,
            seed,
            last_day_usage_rows,
            n,
            acct_ids,
            frames,
            all_acct,
            all_at,
            MODELS_ALL,
            day_list[-1],
            now,
            bg["ident"],
        )
        written += res.written
        if res.topups:
            frames["topups"] = pl.concat([frames["topups"], _frame("topups", res.topups)])

    def part_index(t: np.ndarray) -> np.ndarray:
        # whole days from the first midnight = business-date index (Asia/Shanghai has no DST)
        return np.clip((t - start_us) // DAY, 0, days - 1).astype(np.int64)

    for s in SOURCES:
        if s == "usage":
            written += write_source(
                out,
                s,
                usage_frame,
                part_index(all_at),
                day_list,
                lambda pi: 1 + pi % 3,
                fmt=usage_format,
            )
            continue
        df = frames[s].drop("_acct", strict=False) if "_acct" in frames[s].columns else frames[s]
        col = PARTITION_COLUMN[s]
        pidx = np.zeros(df.height, np.int64) if col is None else part_index(df[col].to_numpy())
        written += write_source(out, s, df, pidx, day_list, lambda pi: 1 + (pi % 5 == 2))
    # the loader cases re-deliver the two earliest background calls: only those rows are needed
    is_r = np.array([True] * nb + [rid.startswith("r") for rid in p_rids], bool)
    r_at = all_at[is_r]
    if len(r_at) >= 2:
        second = np.partition(r_at, 1)[1]
        early = pl.DataFrame(usage_frame(np.flatnonzero(is_r & (all_at <= second))))
    else:
        early = usage_frame(np.flatnonzero(is_r))
    written += loadcases.plant_loader_cases(out, frames, early, day_list, written, usage_format)

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
