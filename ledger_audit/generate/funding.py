"""The platform's funding columns: burn-down allocation of every usage charge (rules.md §1).

Between two balance events of an account the allocation depends only on cumulative usage, so
each usage row's part in a kind is the overlap of its cumulative interval [before, after) with
that kind's capacity interval in the segment (numpy), and only the balance events are walked in
Python. Events at equal times: credits, then expiries, then refunds (by refund rank), then usage
(by started_at, then request rank).
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ledger_audit.generate.common import BURN_DOWN


@dataclass
class BalanceInputs:
    """Integer arrays (account index, times in UTC µs, amounts in micro-yuan, ranks = id order)."""

    topup_acct: np.ndarray
    topup_at: np.ndarray
    topup_amount: np.ndarray
    topup_rank: np.ndarray  # also the top-up's key for grants and refunds
    grant_acct: np.ndarray
    grant_kind: np.ndarray  # 0 trial, 1 discount
    grant_at: np.ndarray
    grant_expires: np.ndarray  # effective expiry; NO_EXPIRY for none
    grant_amount: np.ndarray
    grant_topup: np.ndarray  # linked top-up rank, -1 for none
    grant_rank: np.ndarray
    refund_acct: np.ndarray
    refund_at: np.ndarray  # effective time (decided_at, else requested_at)
    refund_amount: np.ndarray
    refund_topup: np.ndarray
    refund_rank: np.ndarray


def _i64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.int64)


def allocate(
    bal: BalanceInputs,
    usage_acct: np.ndarray,
    usage_at: np.ndarray,
    usage_rank: np.ndarray,
    usage_amount: np.ndarray,
    now: int,
    burn_down: tuple[str, str, str] = BURN_DOWN,
) -> dict[str, np.ndarray]:
    """Recomputed funding of each usage row (input order): cash, trial, discount, unpaid (micro).

    Only succeeded top-ups, live grants and money-taking refunds should be passed; records at or
    after `now` are ignored here.
    """
    n_acct = (
        int(
            max(
                _i64(usage_acct).max(initial=-1),
                _i64(bal.topup_acct).max(initial=-1),
                _i64(bal.grant_acct).max(initial=-1),
                _i64(bal.refund_acct).max(initial=-1),
            )
        )
        + 1
    )
    # ---- events: (acct, time, priority, tiebreak, type, index)
    tk = _i64(bal.topup_at) < now
    gk = _i64(bal.grant_at) < now
    ge = gk & (_i64(bal.grant_expires) < now)
    rk = _i64(bal.refund_at) < now
    ti, gi, gei, ri = (np.flatnonzero(m) for m in (tk, gk, ge, rk))
    ev_acct = np.concatenate(
        [
            _i64(bal.topup_acct)[ti],
            _i64(bal.grant_acct)[gi],
            _i64(bal.grant_acct)[gei],
            _i64(bal.refund_acct)[ri],
        ]
    )
    ev_time = np.concatenate(
        [
            _i64(bal.topup_at)[ti],
            _i64(bal.grant_at)[gi],
            _i64(bal.grant_expires)[gei],
            _i64(bal.refund_at)[ri],
        ]
    )
    ev_prio = np.concatenate(
        [
            np.zeros(len(ti) + len(gi), np.int64),
            np.ones(len(gei), np.int64),
            np.full(len(ri), 2, np.int64),
        ]
    )
    ev_tie = np.concatenate(
        [np.zeros(len(ti) + len(gi) + len(gei), np.int64), _i64(bal.refund_rank)[ri]]
    )
    ev_type = np.concatenate(
        [
            np.zeros(len(ti), np.int8),
            np.ones(len(gi), np.int8),
            np.full(len(gei), 2, np.int8),
            np.full(len(ri), 3, np.int8),
        ]
    )
    ev_idx = np.concatenate([ti, gi, gei, ri]).astype(np.int64)
    order = np.lexsort((ev_tie, ev_prio, ev_time, ev_acct))
    ev_acct, ev_time, ev_type, ev_idx = (
        ev_acct[order],
        ev_time[order],
        ev_type[order],
        ev_idx[order],
    )
    n_ev = np.bincount(ev_acct, minlength=n_acct).astype(np.int64)
    ev_start = np.concatenate([[0], np.cumsum(n_ev)[:-1]]).astype(np.int64)
    seg_base = ev_start + np.arange(n_acct, dtype=np.int64)  # account a owns n_ev[a] + 1 segments
    n_seg = int(n_ev.sum()) + n_acct

    # ---- usage rows in draw order, and their segment
    u_acct, u_at, u_amt = _i64(usage_acct), _i64(usage_at), _i64(usage_amount)
    keep = u_at < now
    uorder = np.lexsort((_i64(usage_rank), u_at, u_acct))
    uorder = uorder[keep[uorder]]
    sa, st, sm = u_acct[uorder], u_at[uorder], u_amt[uorder]
    # events of the account at or before each usage row (events sort before usage at equal times)
    m_acct = np.concatenate([ev_acct, sa])
    m_time = np.concatenate([ev_time, st])
    m_flag = np.concatenate([np.zeros(len(ev_acct), np.int8), np.ones(len(sa), np.int8)])
    m_order = np.lexsort((m_flag, m_time, m_acct))
    is_ev = (m_flag[m_order] == 0).astype(np.int64)
    cum_ev = np.cumsum(is_ev)
    pos_usage = m_order >= len(ev_acct)
    # merged order keeps usage rows in their (acct, time) order; ties of usage among themselves
    # keep the lexsort's stable input order, i.e. the request-rank order of `uorder`
    u_cum = cum_ev[pos_usage]
    u_idx_in_sorted = m_order[pos_usage] - len(ev_acct)
    seg_of = np.empty(len(sa), np.int64)
    seg_of[u_idx_in_sorted] = seg_base[sa[u_idx_in_sorted]] + (
        u_cum - ev_start[sa[u_idx_in_sorted]]
    )
    # per-segment totals and each row's cumulative interval inside its segment
    seg_sum = np.zeros(n_seg, np.int64)
    if len(sa):
        starts = np.flatnonzero(np.concatenate([[True], seg_of[1:] != seg_of[:-1]]))
        seg_sum[seg_of[starts]] = np.add.reduceat(sm, starts)
        cs = np.cumsum(sm)
        base = (cs - sm)[starts]
        lengths = np.diff(np.concatenate([starts, [len(sa)]]))
        cb = cs - sm - np.repeat(base, lengths)
    else:
        cb = np.zeros(0, np.int64)
    ca = cb + sm

    # ---- walk each account's balance events, segment by segment
    pos = {k: burn_down.index(k) for k in ("trial", "discount", "cash")}
    caps = np.zeros((n_seg, 3), np.int64)
    t_at, t_amt, t_rank = _i64(bal.topup_at), _i64(bal.topup_amount), _i64(bal.topup_rank)
    g_kind, g_at, g_exp = _i64(bal.grant_kind), _i64(bal.grant_at), _i64(bal.grant_expires)
    g_amt, g_top, g_rank = _i64(bal.grant_amount), _i64(bal.grant_topup), _i64(bal.grant_rank)
    r_amt, r_top = _i64(bal.refund_amount), _i64(bal.refund_topup)
    ev_type_l, ev_idx_l = ev_type.tolist(), ev_idx.tolist()
    seg_sum_l = seg_sum.tolist()
    caps_rows: list[tuple[int, int, int, int]] = []
    accts_with_events = np.flatnonzero(n_ev > 0).tolist()
    n_ev_l, ev_start_l, seg_base_l = n_ev.tolist(), ev_start.tolist(), seg_base.tolist()
    kpos = (pos["trial"], pos["discount"])
    cpos = pos["cash"]
    for a in accts_with_events:
        # bucket: [sort key..., remaining]; key = (kind position, k1, k2, k3, uid)
        buckets: list[list] = []
        by_uid: dict = {}
        refunded: set[int] = set()
        e0, ne, sb = ev_start_l[a], n_ev_l[a], seg_base_l[a]
        for k in range(ne + 1):
            sid = sb + k
            c = [0, 0, 0]
            for b in buckets:
                c[b[0]] += b[5]
            if c[0] or c[1] or c[2]:
                caps_rows.append((sid, c[0], c[1], c[2]))
            use = seg_sum_l[sid]
            if use:
                for b in buckets:
                    if b[5]:
                        take = min(use, b[5])
                        b[5] -= take
                        use -= take
                        if not use:
                            break
            if k == ne:
                break
            et, ei = ev_type_l[e0 + k], ev_idx_l[e0 + k]
            if et == 0:  # top-up credit
                b = [
                    cpos,
                    int(t_at[ei]),
                    int(t_rank[ei]),
                    0,
                    ("t", int(t_rank[ei])),
                    int(t_amt[ei]),
                ]
                insort(buckets, b)
                by_uid[("t", int(t_rank[ei]))] = b
            elif et == 1:  # grant credit
                top = int(g_top[ei])
                amt = 0 if (top >= 0 and top in refunded and g_kind[ei] == 1) else int(g_amt[ei])
                b = [
                    kpos[int(g_kind[ei])],
                    int(g_exp[ei]),
                    int(g_at[ei]),
                    int(g_rank[ei]),
                    ("g", int(g_rank[ei]), top if g_kind[ei] == 1 else -1),
                    amt,
                ]
                insort(buckets, b)
                by_uid[("g", int(g_rank[ei]))] = b
            elif et == 2:  # grant expiry: forfeit the remainder
                by_uid[("g", int(g_rank[ei]))][5] = 0
            else:  # refund: debit its top-up, void linked discounts
                top = int(r_top[ei])
                tb = by_uid.get(("t", top))
                if tb is not None:
                    tb[5] -= min(int(r_amt[ei]), tb[5])
                if top not in refunded:
                    refunded.add(top)
                    for b in buckets:
                        if b[4][0] == "g" and b[4][2] == top:
                            b[5] = 0
    if caps_rows:
        cr = np.asarray(caps_rows, np.int64)
        caps[cr[:, 0]] = cr[:, 1:]
    # ---- each row's part in each kind: overlap of [cb, ca) with the kind's interval
    rc = caps[seg_of]
    lo = np.zeros(len(sa), np.int64)
    parts = []
    for p in range(3):
        hi = lo + rc[:, p]
        parts.append(np.clip(ca, lo, hi) - np.clip(cb, lo, hi))
        lo = hi
    out = {}
    n = len(u_amt)
    for kind in ("trial", "discount", "cash"):
        arr = np.zeros(n, np.int64)
        arr[uorder] = parts[pos[kind]]
        out[kind] = arr
    unpaid = np.zeros(n, np.int64)
    unpaid[uorder] = sm - parts[0] - parts[1] - parts[2]
    out["unpaid"] = unpaid
    return out


GROUP_ROWS = 1_000_000  # usage rows allocated at a time: allocate's temporaries grow with them


def allocate_in_groups(
    bal: BalanceInputs,
    usage_acct: np.ndarray,
    usage_at: np.ndarray,
    usage_rank: np.ndarray,
    usage_amount: np.ndarray,
    now: int,
    group_rows: int | None = None,
) -> dict[str, np.ndarray]:
    """`allocate`, one range of accounts at a time: the same result, with memory bounded by
    `group_rows` usage rows instead of all of them (each account's funding is its own)."""
    group_rows = group_rows or GROUP_ROWS
    usage_acct = _i64(usage_acct)
    counts = np.bincount(usage_acct) if len(usage_acct) else np.zeros(0, np.int64)
    if len(usage_acct) <= group_rows:
        return allocate(bal, usage_acct, usage_at, usage_rank, usage_amount, now)
    # account ranges [lo, hi) of about group_rows rows each
    cuts = np.searchsorted(np.cumsum(counts), np.arange(group_rows, len(usage_acct), group_rows))
    bounds = [0, *sorted({int(c) + 1 for c in cuts}), np.iinfo(np.int64).max]
    out = {k: np.zeros(len(usage_acct), np.int64) for k in ("trial", "discount", "cash", "unpaid")}
    fields = {
        "topup": ("acct", "at", "amount", "rank"),
        "grant": ("acct", "kind", "at", "expires", "amount", "topup", "rank"),
        "refund": ("acct", "at", "amount", "topup", "rank"),
    }
    for lo, hi in pairwise(bounds):
        sub = {}
        for ev, names in fields.items():
            a = _i64(getattr(bal, f"{ev}_acct"))
            m = (a >= lo) & (a < hi)
            for name in names:
                sub[f"{ev}_{name}"] = _i64(getattr(bal, f"{ev}_{name}"))[m]
        rows = np.flatnonzero((usage_acct >= lo) & (usage_acct < hi))
        if not len(rows):
            continue
        part = allocate(
            BalanceInputs(**sub),
            usage_acct[rows],
            _i64(usage_at)[rows],
            _i64(usage_rank)[rows],
            _i64(usage_amount)[rows],
            now,
        )
        for k, v in part.items():
            out[k][rows] = v
    return out
