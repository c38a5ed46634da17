"""The balance engine's Python walk (`replay`), in integer micro-yuan, one method per kind of
step: a usage segment draws from the live lots in burn-down order; a credit puts a lot in play
(or voids it at once, a discount of an already refunded top-up); an expiry forfeits a grant's
remainder; a refund debits its top-up and voids the discounts linked to it; a probe records the
figures other rules ask about; a restore puts a lot of a saved state back in play.
transforms/intermediate/balance.py prepares the steps in DuckDB and writes the results back.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

TRIAL, DISCOUNT, CASH = 0, 1, 2
KIND_CODE = {"trial": TRIAL, "discount": DISCOUNT, "cash": CASH}
# step types (int_balance__events.sql / int_balance__steps.sql)
CREDIT, EXPIRY, REFUND, SEGMENT, PROBE, RESTORE = 0, 1, 2, 3, 4, 5
# movement types
DRAW, EXPIRE, VOID, REFUND_DEBIT, UNCOVERED = 0, 1, 2, 3, 4
MOVEMENT_NAMES = ("draw", "expire", "void", "refund_debit", "uncovered")


@dataclass
class LotState:
    """Per lot (index = lot_idx), integer micro-yuan: the state a replay starts from and ends in."""

    remaining: list[int]
    consumed: list[int]
    discount_used: list[int]  # for a top-up: usage drawn from discounts linked to it
    voided: list[bool]  # for a top-up: a refund of it has voided its linked discounts
    expired: list[bool]  # for a grant: its expiry has passed

    @classmethod
    def empty(cls, n: int) -> LotState:
        return cls([0] * n, [0] * n, [0] * n, [False] * n, [False] * n)


@dataclass
class Replay:
    # step, lot, kind, type: numpy arrays; money (micro-yuan): lists of Python ints
    moves: dict  # step (index in the walk), lot, kind (3: uncovered), amount (micro), offset, type
    probes: dict  # step (index in the walk), account_cash_consumed, topup_cash_consumed, topup_discount_used
    trial: dict  # step (index in the walk), trial_start, before_trial_start
    state: LotState


class _Walk:
    """The state of one replay: the lots' state, the current account's live lots, and the rows
    written so far (movements, probes, trial segments)."""

    def __init__(self, lot, amt, kind, rank, link, amount, burn_down, st: LotState):
        self.lot, self.amt = lot, amt  # per step
        self.kind, self.rank, self.link, self.amount = kind, rank, link, amount  # per lot
        self.st = st
        self.order = [KIND_CODE[k] for k in burn_down]
        self.before_trial = self.order[:self.order.index(TRIAL)]
        self.m_step, self.m_lot, self.m_amt, self.m_off, self.m_typ = [], [], [], [], []
        self.p_step, self.p_acc, self.p_tc, self.p_td = [], [], [], []
        self.t_step, self.t_trial, self.t_before = [], [], []
        self.new_account()

    def new_account(self) -> None:
        # per kind, the account's live lots as (burn-down rank, lot_idx), sorted
        self.live: tuple[list, list, list] = ([], [], [])
        self.cash_consumed = 0
        self.trial_expired = False

    def move(self, i: int, lt: int, amount: int, offset: int, typ: int) -> None:
        self.m_step.append(i)
        self.m_lot.append(lt)
        self.m_amt.append(amount)
        self.m_off.append(offset)
        self.m_typ.append(typ)

    def segment(self, i: int) -> None:
        """Draw the segment's usage from the live lots in burn-down order; the rest is uncovered."""
        remaining, consumed = self.st.remaining, self.st.consumed
        need = self.amt[i]
        pos = 0  # where on the segment's running total the next draw starts
        if self.trial_expired:
            self.t_step.append(i)
            self.t_trial.append(sum(remaining[x[1]] for x in self.live[TRIAL]))
            self.t_before.append(sum(remaining[x[1]] for k in self.before_trial for x in self.live[k]))
        for k in self.order:
            if not need:
                break
            lst = self.live[k]
            while need and lst:
                lt = lst[0][1]
                r = remaining[lt]
                if r > need:
                    d = need
                    remaining[lt] = r - need
                    need = 0
                else:
                    d = r
                    remaining[lt] = 0
                    need -= r
                    del lst[0]
                consumed[lt] += d
                self.move(i, lt, d, pos, DRAW)
                pos += d
                if k == CASH:
                    self.cash_consumed += d
                elif k == DISCOUNT and self.link[lt] >= 0:
                    self.st.discount_used[self.link[lt]] += d
        if need:
            self.move(i, -1, need, pos, UNCOVERED)

    def credit(self, i: int) -> None:
        lt = self.lot[i]
        k = self.kind[lt]
        link = self.link[lt]
        if k == DISCOUNT and link >= 0 and self.st.voided[link]:
            # a discount linked to an already refunded top-up is void at once (rules.md §6)
            self.move(i, lt, self.amount[lt], 0, VOID)
            self.st.remaining[lt] = 0
        else:
            self.st.remaining[lt] = self.amount[lt]
            bisect.insort(self.live[k], (self.rank[lt], lt))

    def expiry(self, i: int) -> None:
        lt = self.lot[i]
        self.st.expired[lt] = True
        if self.kind[lt] == TRIAL:
            self.trial_expired = True
        r = self.st.remaining[lt]
        if r:
            self.live[self.kind[lt]].remove((self.rank[lt], lt))
            self.st.remaining[lt] = 0
            self.move(i, lt, r, 0, EXPIRE)

    def refund(self, i: int) -> None:
        """Debit the refunded top-up (what is left of it, at most the refund), then void the
        discounts linked to it, once."""
        tl = self.lot[i]
        if tl < 0:
            return  # an unknown or failed top-up: nothing to debit
        remaining = self.st.remaining
        r = remaining[tl]
        d = min(r, self.amt[i])
        if d:
            remaining[tl] = r - d
            if r == d:
                self.live[CASH].remove((self.rank[tl], tl))
            self.move(i, tl, d, 0, REFUND_DEBIT)
        if not self.st.voided[tl]:
            self.st.voided[tl] = True
            keep = []
            for x in self.live[DISCOUNT]:
                lt = x[1]
                if self.link[lt] == tl:
                    self.move(i, lt, remaining[lt], 0, VOID)
                    remaining[lt] = 0
                else:
                    keep.append(x)
            self.live[DISCOUNT][:] = keep

    def probe(self, i: int) -> None:
        tl = self.lot[i]
        self.p_step.append(i)
        self.p_acc.append(self.cash_consumed)
        self.p_tc.append(self.st.consumed[tl] if tl >= 0 else 0)
        self.p_td.append(self.st.discount_used[tl] if tl >= 0 else 0)

    def restore(self, i: int) -> None:
        lt = self.lot[i]
        k = self.kind[lt]
        if self.st.remaining[lt]:
            bisect.insort(self.live[k], (self.rank[lt], lt))
        if k == CASH:
            self.cash_consumed += self.st.consumed[lt]
        elif k == TRIAL and self.st.expired[lt]:
            self.trial_expired = True

    def result(self) -> Replay:
        i64 = np.int64
        # money stays Python ints (micro-yuan; sums may pass int64): balance.py transfers them
        return Replay(
            moves={"step": np.array(self.m_step, i64), "lot": np.array(self.m_lot, i64),
                   "kind": np.array([self.kind[x] if x >= 0 else 3 for x in self.m_lot], np.int8),
                   "amount": self.m_amt, "offset": self.m_off,
                   "type": np.array(self.m_typ, np.int8)},
            probes={"step": np.array(self.p_step, i64),
                    "account_cash_consumed": self.p_acc,
                    "topup_cash_consumed": self.p_tc,
                    "topup_discount_used": self.p_td},
            trial={"step": np.array(self.t_step, i64), "trial_start": self.t_trial,
                   "before_trial_start": self.t_before},
            state=self.st,
        )


def replay(acct, typ, lot, amt, kind, rank, link, amount, burn_down=("trial", "discount", "cash"),
           start: LotState | None = None) -> Replay:
    """Walk the steps (sequences indexed by step ord) over the lots (sequences indexed by
    lot_idx: kind code, burn-down rank, linked top-up lot or -1, amount in micro-yuan).

    A RESTORE step puts a lot of `start` back in play (its remaining, if any, becomes live).
    """
    st = start if start is not None else LotState.empty(len(kind))
    walk = _Walk(lot, amt, kind, rank, link, amount, burn_down, st)
    handle = {SEGMENT: walk.segment, CREDIT: walk.credit, EXPIRY: walk.expiry,
              REFUND: walk.refund, PROBE: walk.probe, RESTORE: walk.restore}
    cur = None
    for i, a in enumerate(acct):
        if a != cur:
            cur = a
            walk.new_account()
        handle[typ[i]](i)
    return walk.result()
