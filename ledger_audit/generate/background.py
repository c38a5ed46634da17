"""The background: realistic activity that must trigger no rule.

Adult, verified accounts with distinct identities; each account's first top-up covers all of its
usage (so nothing is ever uncovered), trial grants only at registration, at most one single-promo
discount per top-up, refunds well after their top-up and within what is refundable, invoices
within consumed cash, claims within the cap. Usage is skewed (a few accounts make most calls).
Usage times are whole milliseconds and distinct; balance-event times end in 500 µs, so no
background event ever ties with a usage row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ledger_audit.generate.common import CENT, DAY, HOUR, MICRO, US, local_us, rate_micro
from ledger_audit.generate.identity import addresses, emails, people

MODELS = ["glm-4-plus", "glm-4-air", "glm-4-flash", "kimi-k2", "moonshot-v1-8k"]
MODEL_P = np.array([0.22, 0.30, 0.25, 0.15, 0.08])
# (model, days before the window's end (None: long ago), input, output) in micro-yuan per 1k tokens
PRICES = [
    ("glm-4-plus", None, 50_000, 50_000),
    ("glm-4-plus", 12, 5_000, 5_000),  # price cut inside the window
    ("glm-4-air", None, 1_000, 1_000),
    ("glm-4-flash", None, 100, 100),
    ("kimi-k2", None, 4_000, 16_000),
    ("kimi-k2", 5, 4_000, 12_000),
    ("moonshot-v1-8k", None, 12_000, 12_000),
    ("glm-x-planted", None, 5_000, 0),  # used by planted cases only: 2,000 tokens = 0.01
]
PRICE_LONG_AGO = dt.date(2024, 1, 1)
PROMOTIONS = [
    # promotion_id, kind, stackable, new_customers_only
    ("P-WELCOME", "trial", False, True),
    ("P-TOPUP5", "topup_discount", False, False),
    ("P-CASHBACK", "cashback", True, False),
    ("P-COUPON", "coupon", True, False),
    ("P-REDPACK", "red_envelope", False, False),
    ("P-NEWBIE", "limited_time", False, True),
]
HALF_MS = 500  # µs offset of balance-event times


def price_table(end: dt.date) -> pl.DataFrame:
    rows = []
    for model, days_before, pin, pout in PRICES:
        day = PRICE_LONG_AGO if days_before is None else end - dt.timedelta(days=days_before)
        rows.append((model, local_us(day), pin, pout))
    return pl.DataFrame(
        rows,
        schema=["model", "effective_from", "input_price_per_1k", "output_price_per_1k"],
        orient="row",
    )


def price_lookup(prices: pl.DataFrame, model_idx: np.ndarray, at: np.ndarray, models: list[str]):
    """(input, output) price in force at `at` for each row (0 where none is in force)."""
    pin = np.zeros(len(at), np.int64)
    pout = np.zeros(len(at), np.int64)
    for m, name in enumerate(models):
        p = prices.filter(pl.col("model") == name).sort("effective_from")
        if p.height == 0:
            continue
        sel = np.flatnonzero(model_idx == m)
        k = np.searchsorted(p["effective_from"].to_numpy(), at[sel], side="right") - 1
        ok = k >= 0
        pin[sel[ok]] = p["input_price_per_1k"].to_numpy()[k[ok]]
        pout[sel[ok]] = p["output_price_per_1k"].to_numpy()[k[ok]]
    return pin, pout


def _cents(x: np.ndarray) -> np.ndarray:
    return (np.floor(x).astype(np.int64)) * CENT


def id_list(prefix: str, idx: np.ndarray, width: int = 8) -> pl.Series:
    s = pl.Series("x", np.asarray(idx, dtype=np.int64)).cast(pl.Utf8).str.zfill(width)
    return pl.select(pl.lit(prefix) + s).to_series()


def build(
    rng: np.random.Generator, n: int, days: int, end: dt.date, usage_rows: int | None,
    even_days: bool = False,
) -> dict:
    """Background frames before funding (internal types: µs ints, micro-yuan ints).

    `even_days`: every day carries the same number of calls (else days grow as accounts join)."""
    start_day = end - dt.timedelta(days=days - 1)
    win0, now = local_us(start_day), local_us(end + dt.timedelta(days=1))
    n_usage = usage_rows if usage_rows is not None else n * days * 2
    acct = np.arange(n, dtype=np.int64)
    account_id = id_list("A", acct)

    # ---- accounts
    new = rng.random(n) < 0.15
    span = max(now - win0 - 2 * DAY, HOUR)
    reg = np.where(
        new,
        win0 + (rng.random(n) * span).astype(np.int64),
        win0 - (30 * DAY + (rng.random(n) * 1500 * DAY).astype(np.int64)),
    )
    reg = reg // US * US
    verified = reg + (60 + rng.integers(0, 3600, n)) * US
    enterprise = rng.random(n) < 0.10
    ident = people(acct)
    reg_dates = (
        pl.Series(reg)
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone("Asia/Shanghai")
        .dt.date()
    )
    age_days = rng.integers(20 * 366, 62 * 365, n)
    birth = reg_dates.to_numpy().astype("datetime64[D]") - age_days.astype("timedelta64[D]")
    ent_s = pl.Series(enterprise)
    accounts = pl.DataFrame(
        {
            "account_id": account_id,
            "updated_at": reg,
            "registered_at": reg,
            "account_type": np.where(enterprise, "enterprise", "personal"),
            "real_name": ident["real_name"],
            "birth_date": pl.Series(birth).cast(pl.Date),
            "id_doc_hash": ident["id_doc_hash"],
            "enterprise_name": pl.Series(ident["enterprise_name"]).zip_with(
                ent_s, pl.Series([None] * n, dtype=pl.Utf8)
            ),
            "enterprise_tax_id": pl.Series(ident["enterprise_tax_id"]).zip_with(
                ent_s, pl.Series([None] * n, dtype=pl.Utf8)
            ),
            "real_name_verified_at": verified,
            "phone_hash": ident["phone_hash"],
            "email": ident["email"],
            "address": ident["address"],
            "device_id": ident["device_id"],
            "registration_ip": ident["registration_ip"],
            "_acct": acct,
        }
    )
    # a later version for some accounts: moved house or changed e-mail (same person)
    v2 = np.flatnonzero(rng.random(n) < 0.05)
    if len(v2):
        v2_at = (
            np.maximum(verified[v2] + DAY, win0)
            + (rng.random(len(v2)) * DAY).astype(np.int64) // US * US
        )
        v2 = v2[v2_at < now - HOUR]
        v2_at = v2_at[v2_at < now - HOUR]
        upd = accounts[v2.tolist()].with_columns(
            updated_at=pl.Series(v2_at),
            address=pl.Series(addresses(v2 + 50_000_000)),
            email=pl.Series(emails(v2, salt=1)),
        )
        accounts = pl.concat([accounts, upd])

    # ---- usage: Pareto-skewed counts per account, times uniform over each account's active span
    w = rng.pareto(1.1, n) + 1.0
    w = w / w.sum()
    counts = rng.multinomial(n_usage, w).astype(np.int64)
    first_topup = (
        np.where(
            new,
            verified + (60 + rng.integers(0, 600, n)) * US,
            win0 - (DAY + rng.integers(0, 10 * 86400, n) * US),
        )
        + HALF_MS
    )
    active0 = np.where(new, first_topup + 60 * US, win0)
    active1 = now - 60 * US
    u_acct = np.repeat(acct, counts)
    n_u = len(u_acct)
    lo = active0[u_acct]
    u_at = lo + (rng.random(n_u) * (active1 - lo)).astype(np.int64)
    if even_days:  # the calls of accounts there from the start fill what the joiners leave
        joiner = new[u_acct]
        joined = np.bincount((u_at[joiner] - win0) // DAY, minlength=days)[:days]
        want = np.clip(n_u / days - joined, 0, None)
        old = np.flatnonzero(~joiner)
        if len(old) and want.sum() > 0:
            day = rng.choice(days, size=len(old), p=want / want.sum())
            at = win0 + day * DAY + (rng.random(len(old)) * DAY).astype(np.int64)
            u_at[old] = np.minimum(at, active1)
    u_at = u_at // 1000 * 1000
    # distinct instants: sort, then push ties up by whole milliseconds
    order = np.argsort(u_at, kind="stable")
    ts = u_at[order]
    step = np.arange(n_u, dtype=np.int64) * 1000
    ts = np.maximum.accumulate(ts - step) + step
    u_at[order] = ts
    model_idx = rng.choice(len(MODELS), size=n_u, p=MODEL_P)
    in_tok = np.clip(rng.lognormal(np.log(1200), 1.0, n_u), 1, 200_000).astype(np.int64)
    out_tok = np.clip(rng.lognormal(np.log(300), 1.0, n_u), 0, 20_000).astype(np.int64)
    prices = price_table(end)
    pin, pout = price_lookup(prices, model_idx, u_at, MODELS)
    u_amount = rate_micro(in_tok, out_tok, pin, pout)
    keys = rng.integers(0, 3, n_u)
    # each account uses at most two moderation labels ever: never 3 within 7 days
    mod = np.zeros(n_u, bool)
    has = np.flatnonzero((rng.random(n) < 0.03) & (counts > 0))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mod[starts[has]] = True
    usage = {
        "acct": u_acct,
        "at": u_at,
        "model_idx": model_idx,
        "in_tok": in_tok,
        "out_tok": out_tok,
        "amount": u_amount,
        "key": keys,
        "moderated": mod,
    }
    total = np.zeros(n, np.int64)
    nz = counts > 0
    if n_u:
        total[nz] = np.add.reduceat(u_amount, starts[nz])

    # ---- top-ups: the first one covers all usage; a few more later
    first_amt = (
        np.maximum(50 * MICRO, (total * 12 // 10 // MICRO + 1) * MICRO)
        + rng.integers(0, 200, n) * MICRO
    )
    n_extra = np.minimum(rng.poisson(0.6, n), 3)
    e_acct = np.repeat(acct, n_extra)
    e_lo = np.maximum(active0[e_acct], win0)
    e_hi = now - DAY
    ok = e_lo < e_hi
    e_acct, e_lo = e_acct[ok], e_lo[ok]
    e_at = (
        e_lo + (rng.random(len(e_acct)) * (e_hi - e_lo)).astype(np.int64)
    ) // 1000 * 1000 + HALF_MS
    choices = np.array([50, 100, 200, 500, 1000, 2000, 88, 300]) * MICRO
    e_amt = choices[rng.integers(0, len(choices), len(e_acct))] + rng.integers(
        0, 100, len(e_acct)
    ) * CENT * (rng.random(len(e_acct)) < 0.2)
    e_failed = rng.random(len(e_acct)) < 0.03
    t_acct = np.concatenate([acct, e_acct])
    t_at = np.concatenate([first_topup, e_at])
    t_amt = np.concatenate([first_amt, e_amt])
    t_status = np.concatenate([np.zeros(n, bool), e_failed])
    t_first = np.concatenate([np.ones(n, bool), np.zeros(len(e_acct), bool)])
    nt = len(t_acct)
    # a second instrument for some extra top-ups (still the account's own)
    second = (~t_first) & (rng.random(nt) < 0.3)
    payer_ref = np.where(
        second,
        np.array(ident["payer_ref_hash2"], dtype=object)[t_acct],
        np.array(ident["payer_ref_hash"], dtype=object)[t_acct],
    )
    ent_t = enterprise[t_acct]
    payer_id = np.where(
        ent_t,
        np.array(ident["enterprise_tax_id"], dtype=object)[t_acct],
        np.array(ident["id_doc_hash"], dtype=object)[t_acct],
    )
    payer_id = np.where(rng.random(nt) < 0.3, None, payer_id)
    promo = (~t_first) & (~t_status) & (rng.random(nt) < 0.25)
    promo_kind = np.where(rng.random(nt) < 0.5, "P-TOPUP5", "P-CASHBACK")
    methods = np.array(["alipay", "wechat_pay", "bank_transfer", "card", "other"])
    topup_id = id_list("T", np.arange(nt))
    topups = pl.DataFrame(
        {
            "topup_id": topup_id,
            "account_id": account_id.gather(t_acct),
            "paid_at": t_at,
            "amount": t_amt,
            "method": methods[rng.choice(5, nt, p=[0.45, 0.35, 0.1, 0.08, 0.02])],
            "payer_ref_hash": pl.Series(payer_ref.tolist(), dtype=pl.Utf8),
            "payer_id_hash": pl.Series(payer_id.tolist(), dtype=pl.Utf8),
            "promotion_ids": pl.Series(np.where(promo, promo_kind, None).tolist(), dtype=pl.Utf8),
            "status": np.where(t_status, "failed", "succeeded"),
            "chargeback_at": pl.Series([None] * nt, dtype=pl.Int64),
            "_acct": t_acct,
        }
    )

    # ---- grants: trials at registration of new accounts, discounts with promoted top-ups
    tr = np.flatnonzero(new)
    tr_at = reg[tr] + 300 * US + HALF_MS
    tr_amt = np.array([5, 10, 20])[rng.integers(0, 3, len(tr))] * MICRO
    tr_exp = np.where(rng.random(len(tr)) < 0.7, -1, tr_at + 14 * DAY)
    pi = np.flatnonzero(promo)
    d_amt = (t_amt[pi] * 5 // 100) // CENT * CENT
    keep = d_amt > 0
    pi, d_amt = pi[keep], d_amt[keep]
    d_at = t_at[pi] + US
    d_exp = np.where(rng.random(len(pi)) < 0.5, -1, d_at + 90 * DAY)
    ng = len(tr) + len(pi)
    grants = pl.DataFrame(
        {
            "grant_id": id_list("G", np.arange(ng)),
            "account_id": account_id.gather(np.concatenate([tr, t_acct[pi]])),
            "kind": ["trial"] * len(tr) + ["discount"] * len(pi),
            "amount": np.concatenate([tr_amt, d_amt]),
            "granted_at": np.concatenate([tr_at, d_at]),
            "expires_at": pl.Series(np.concatenate([tr_exp, d_exp])).replace(-1, None),
            "topup_id": pl.Series([None] * len(tr) + topup_id.gather(pi).to_list(), dtype=pl.Utf8),
            "promotion_id": pl.Series(
                ["P-WELCOME"] * len(tr) + promo_kind[pi].tolist(), dtype=pl.Utf8
            ),
            "_acct": np.concatenate([tr, t_acct[pi]]),
        }
    )

    # ---- refunds of some later top-ups, within T.amount - its whole linked discount
    disc_of = np.zeros(nt, np.int64)
    disc_of[pi] = d_amt
    cand = np.flatnonzero((~t_first) & (~t_status) & (rng.random(nt) < 0.05))
    req = t_at[cand] + 4 * DAY + (rng.random(len(cand)) * 16 * DAY).astype(np.int64) // US * US
    ok = req < now - DAY
    cand, req = cand[ok], req[ok]
    nr = len(cand)
    status = rng.choice(
        np.array(["approved", "paid", "rejected", "requested"]), nr, p=[0.4, 0.4, 0.15, 0.05]
    )
    dec = req + HOUR + (rng.random(nr) * 2 * DAY).astype(np.int64) // US * US
    late = dec >= now
    status = np.where(late, "requested", status)
    dec = np.where(status == "requested", -1, dec)
    r_amt = _cents(rng.uniform(0.2, 1.0, nr) * ((t_amt[cand] - disc_of[cand]) / CENT))
    r_amt = np.maximum(r_amt, CENT)
    dest = np.where(rng.random(nr) < 0.5, payer_ref[cand], None)
    refunds = pl.DataFrame(
        {
            "refund_id": id_list("R", np.arange(nr)),
            "account_id": account_id.gather(t_acct[cand]),
            "topup_id": topup_id.gather(cand),
            "requested_at": req + HALF_MS,
            "decided_at": pl.Series(np.where(dec < 0, -1, dec + HALF_MS)).replace(-1, None),
            "status": status,
            "amount": r_amt,
            "destination_ref_hash": pl.Series(dest.tolist(), dtype=pl.Utf8),
            "_acct": t_acct[cand],
        }
    )

    promotions = pl.DataFrame(
        PROMOTIONS, schema=["promotion_id", "kind", "stackable", "new_customers_only"], orient="row"
    ).with_columns(
        starts_at=pl.lit(local_us(dt.date(2024, 1, 1)), pl.Int64), ends_at=pl.lit(None, pl.Int64)
    )

    # ---- adjustments: goodwill credits and lawful transfers (no balance effect on funding)
    aj = np.flatnonzero(rng.random(n) < 0.002)
    aj_at = win0 + (rng.random(len(aj)) * (now - win0 - HOUR)).astype(np.int64) // US * US + HALF_MS
    kinds = np.where(rng.random(len(aj)) < 0.7, "goodwill", "correction")
    adjustments = pl.DataFrame(
        {
            "adjustment_id": id_list("J", np.arange(len(aj))),
            "account_id": account_id.gather(aj),
            "at": aj_at,
            "kind": kinds,
            "bucket": ["cash"] * len(aj),
            "amount": rng.integers(1, 50, len(aj)) * MICRO,
            "counterparty_account_id": pl.Series([None] * len(aj), dtype=pl.Utf8),
            "legal_basis": pl.Series(
                np.where(
                    kinds == "correction", "ops ticket: billing correction approved", None
                ).tolist(),
                dtype=pl.Utf8,
            ),
        }
    )
    return {
        "n": n,
        "win0": win0,
        "now": now,
        "account_id": account_id,
        "enterprise": enterprise,
        "ident": ident,
        "accounts": accounts,
        "topups": topups,
        "grants": grants,
        "refunds": refunds,
        "promotions": promotions,
        "prices": prices,
        "adjustments": adjustments,
        "usage": usage,
    }


def after_funding(rng: np.random.Generator, bg: dict, u: dict) -> dict[str, pl.DataFrame]:
    """Invoices, claims and enforcement actions that need the usage in time order and its funding.

    `u` holds background usage sorted by (account, time): acct, at, model_idx, cash, amount.
    """
    n, now = bg["n"], bg["now"]
    account_id, ident, enterprise = bg["account_id"], bg["ident"], bg["enterprise"]
    acct, at, cash = u["acct"], u["at"], u["cash"]
    counts = np.bincount(acct, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    csum = np.cumsum(cash)
    base = csum - cash
    has = np.flatnonzero(counts > 0)

    # invoices: at a random usage row, at most the cash consumed up to it
    inv = has[rng.random(len(has)) < 0.10]
    row = starts[inv] + (rng.random(len(inv)) * counts[inv]).astype(np.int64)
    consumed = csum[row] - base[starts[inv]]
    amt = _cents(rng.uniform(0.3, 1.0, len(inv)) * (consumed / CENT))
    ok = amt > 0
    inv, row, amt = inv[ok], row[ok], amt[ok]
    ent = enterprise[inv]
    names = np.array(ident["real_name"], dtype=object)[inv]
    ents = np.array(ident["enterprise_name"], dtype=object)[inv]
    taxes = np.array(ident["enterprise_tax_id"], dtype=object)[inv]
    invoices = pl.DataFrame(
        {
            "invoice_id": id_list("I", np.arange(len(inv))),
            "account_id": account_id.gather(inv),
            "issued_at": at[row] + 250_000 + 500,
            "amount": amt,
            "title_type": np.where(ent, "enterprise", "personal"),
            "buyer_name": pl.Series(np.where(ent, ents, names).tolist(), dtype=pl.Utf8),
            "buyer_tax_id": pl.Series(np.where(ent, taxes, None).tolist(), dtype=pl.Utf8),
            "proof_provided": pl.Series([None] * len(inv), dtype=pl.Boolean),
            "status": np.where(rng.random(len(inv)) < 0.05, "voided", "issued"),
        }
    )
    invoices = invoices.filter(pl.col("issued_at") < now)

    # enforcement: a lock/unlock inside the longest gap between two calls; a close after the last
    gaps_a, gaps_lo, gaps_hi = [], [], []
    sel = has[(rng.random(len(has)) < 0.01) & (counts[has] >= 2)]
    for a in sel.tolist():
        t = at[starts[a] : starts[a] + counts[a]]
        d = np.diff(t)
        k = int(np.argmax(d))
        if d[k] > 3 * HOUR:
            gaps_a.append(a)
            gaps_lo.append(int(t[k]) + 30 * 60 * US + 500)
            gaps_hi.append(int(t[k + 1]) - 30 * 60 * US + 500)
    cl = has[rng.random(len(has)) < 0.003]
    last = at[starts[cl] + counts[cl] - 1] + DAY + 500
    cl, last = cl[last < now], last[last < now]
    na = len(gaps_a)
    actions = pl.DataFrame(
        {
            "account_id": account_id.gather(np.concatenate([gaps_a, gaps_a, cl]).astype(np.int64)),
            "at": np.concatenate([gaps_lo, gaps_hi, last]).astype(np.int64),
            "action": ["lock"] * na + ["unlock"] * na + ["close"] * len(cl),
            "reason": ["other"] * (2 * na) + ["user_request"] * len(cl),
        }
    ).with_columns(topup_id=pl.lit(None, pl.Utf8), evidence_received_at=pl.lit(None, pl.Int64))
    actions = actions.with_columns(action_id=id_list("X", np.arange(actions.height))).select(
        "action_id", "account_id", "at", "action", "reason", "topup_id", "evidence_received_at"
    )

    # claims: platform faults paid within the cap (cash paid for that model up to filing)
    cla = has[rng.random(len(has)) < 0.004]
    lastrow = starts[cla] + counts[cla] - 1
    filed = at[lastrow] + HOUR + 500
    ok = filed < now - HOUR
    cla, lastrow, filed = cla[ok], lastrow[ok], filed[ok]
    rows = []
    midx = u["model_idx"]
    for a, lr, f in zip(cla.tolist(), lastrow.tolist(), filed.tolist()):
        m = int(midx[lr])
        s = starts[a]
        cap = int(cash[s : lr + 1][midx[s : lr + 1] == m].sum())
        kind = rng.random()
        if kind < 0.6 and cap >= 2 * CENT:
            paid = cap // 2 // CENT * CENT
            rows.append((a, m, f, "platform_fault", "direct", paid + 10 * MICRO, paid, f + HOUR))
        elif kind < 0.8:
            rows.append((a, m, f, "force_majeure", "direct", 100 * MICRO, None, None))
        else:
            rows.append((a, m, f, "platform_fault", "indirect", 500 * MICRO, 0, None))
    from ledger_audit.generate.background import MODELS as _M

    claims = pl.DataFrame(
        {
            "claim_id": id_list("C", np.arange(len(rows))),
            "account_id": account_id.gather([r[0] for r in rows])
            if rows
            else pl.Series([], dtype=pl.Utf8),
            "model": pl.Series([_M[r[1]] for r in rows], dtype=pl.Utf8),
            "filed_at": pl.Series([r[2] for r in rows], dtype=pl.Int64),
            "incident_start": pl.Series([r[2] - 2 * DAY for r in rows], dtype=pl.Int64),
            "incident_end": pl.Series([r[2] - DAY for r in rows], dtype=pl.Int64),
            "cause": pl.Series([r[3] for r in rows], dtype=pl.Utf8),
            "damage_type": pl.Series([r[4] for r in rows], dtype=pl.Utf8),
            "claimed_amount": pl.Series([r[5] for r in rows], dtype=pl.Int64),
            "paid_amount": pl.Series([r[6] for r in rows], dtype=pl.Int64),
            "paid_at": pl.Series([r[7] for r in rows], dtype=pl.Int64),
        }
    )
    return {"invoices": invoices, "account_actions": actions, "claims": claims}
