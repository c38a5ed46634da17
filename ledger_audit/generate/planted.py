"""Planted cases of every rule of rules.md, each with near misses, and their expected findings.

Every scenario gets its own fresh accounts (distinct identities unless a link is the point), so a
case cannot leak into another. Expected amounts are worked out by hand here from the rules'
text, never by running the audit's rule code. Times are whole seconds, given as (days before the
last business date, hh, mm, ss) in the platform time zone. Planted usage uses the model
`glm-x-planted` (0.005 per 1k input tokens: 2,000 tokens = 0.01) unless a case needs another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ledger_audit.generate.common import DAY, HOUR, US, biz_date, local_us, money
from ledger_audit.generate.identity import people

PLANTED_MODEL = "glm-x-planted"


@dataclass
class Acct:
    account_id: str
    idx: int  # index into the combined account list
    gidx: int  # identity index
    ident: dict
    type: str = "personal"


@dataclass
class Planter:
    n_bg: int
    end: dt.date
    rows: dict[str, list[dict]] = field(default_factory=dict)
    expected: list[tuple[str, str, int]] = field(default_factory=list)  # rule, subject, micro
    near_misses: list[tuple[str, str]] = field(default_factory=list)  # rule, what
    overrides: dict[str, dict[str, int]] = field(default_factory=dict)  # request_id -> parts
    accounts: list[Acct] = field(default_factory=list)
    _n: dict[str, int] = field(default_factory=dict)
    _gidx: int = 0

    def __post_init__(self):
        self._gidx = self.n_bg

    # ---- helpers
    def T(self, days_before: int, hh: int = 10, mm: int = 0, ss: int = 0) -> int:
        return local_us(self.end - dt.timedelta(days=days_before), hh, mm, ss)

    def day(self, t: int) -> str:
        return biz_date(t).isoformat()

    def _id(self, prefix: str) -> str:
        k = self._n.get(prefix, 0) + 1
        self._n[prefix] = k
        return f"{prefix}{k:05d}"

    def add(self, source: str, **row) -> dict:
        self.rows.setdefault(source, []).append(row)
        return row

    def expect(self, rule: str, subject: str, micro: int = 0) -> None:
        self.expected.append((rule, subject, int(micro)))

    def near(self, rule: str, what: str) -> None:
        self.near_misses.append((rule, what))

    def fresh_identity(self) -> dict:
        g = self._gidx
        self._gidx += 1
        ident = {k: v[0] for k, v in people([g]).items()}
        ident["birth_date"] = dt.date(1975, 1, 1) + dt.timedelta(days=(g * 37) % 9000)
        ident["gidx"] = g
        return ident

    # ---- records
    def account(
        self,
        reg: int | None = None,
        *,
        verified: int | None | str = "auto",
        type: str = "personal",
        **over,
    ) -> Acct:
        ident = self.fresh_identity()
        aid = self._id("P")
        a = Acct(aid, self.n_bg + len(self.accounts), ident["gidx"], ident, type)
        self.accounts.append(a)
        reg = self.T(400, 9) if reg is None else reg
        ver = reg + 600 * US if verified == "auto" else verified
        row = {
            "account_id": aid,
            "updated_at": reg,
            "registered_at": reg,
            "account_type": type,
            "real_name": ident["real_name"],
            "birth_date": ident["birth_date"],
            "id_doc_hash": ident["id_doc_hash"],
            "enterprise_name": ident["enterprise_name"] if type == "enterprise" else None,
            "enterprise_tax_id": ident["enterprise_tax_id"] if type == "enterprise" else None,
            "real_name_verified_at": ver,
            "phone_hash": ident["phone_hash"],
            "email": ident["email"],
            "address": ident["address"],
            "device_id": ident["device_id"],
            "registration_ip": ident["registration_ip"],
        }
        row.update(over)
        a.ident.update(
            {
                k: row[k]
                for k in ("id_doc_hash", "enterprise_tax_id", "phone_hash", "device_id", "email")
            }
        )
        self.add("accounts", **row)
        self._last_version = row
        return a

    def version(self, a: Acct, at: int, **changes) -> None:
        base = [r for r in self.rows["accounts"] if r["account_id"] == a.account_id][-1]
        row = {**base, "updated_at": at, **changes}
        self.add("accounts", **row)

    def topup(
        self,
        a: Acct,
        at: int,
        amount: str,
        *,
        payer_ref: str | None = None,
        payer_id: str | None | bool = True,
        promos: str | None = None,
        status: str = "succeeded",
        chargeback_at: int | None = None,
        method: str = "alipay",
    ) -> str:
        tid = self._id("PT")
        if payer_id is True:
            payer_id = (
                a.ident["enterprise_tax_id"] if a.type == "enterprise" else a.ident["id_doc_hash"]
            )
        self.add(
            "topups",
            topup_id=tid,
            account_id=a.account_id,
            paid_at=at,
            amount=money(amount),
            method=method,
            payer_ref_hash=payer_ref or a.ident["payer_ref_hash"],
            payer_id_hash=payer_id or None,
            promotion_ids=promos,
            status=status,
            chargeback_at=chargeback_at,
            _acct=a.idx,
        )
        return tid

    def grant(
        self,
        a: Acct,
        kind: str,
        amount: str,
        at: int,
        *,
        expires_at: int | None = None,
        topup_id: str | None = None,
        promotion_id: str | None = None,
    ) -> str:
        gid = self._id("PG")
        self.add(
            "grants",
            grant_id=gid,
            account_id=a.account_id,
            kind=kind,
            amount=money(amount),
            granted_at=at,
            expires_at=expires_at,
            topup_id=topup_id,
            promotion_id=promotion_id,
            _acct=a.idx,
        )
        return gid

    def use(
        self,
        a: Acct,
        at: int,
        cents: int = 0,
        *,
        model: str = PLANTED_MODEL,
        in_tok: int | None = None,
        out_tok: int = 0,
        label: str | None = None,
        charge_delta: int = 0,
    ) -> str:
        """One API call; its charge is re-rated later (plus `charge_delta` micro-yuan)."""
        rid = self._id("preq")
        self.add(
            "usage",
            request_id=rid,
            account_id=a.account_id,
            api_key_id=f"pk-{a.account_id}",
            model=model,
            started_at=at,
            input_tokens=2000 * cents if in_tok is None else in_tok,
            output_tokens=out_tok,
            moderation_label=label,
            _acct=a.idx,
            _delta=charge_delta,
        )
        return rid

    def refund(
        self,
        a: Acct,
        topup_id: str,
        amount: str,
        requested_at: int,
        decided_at: int | None,
        status: str,
        dest: str | None | bool = True,
    ) -> str:
        rid = self._id("PR")
        top = next(t for t in self.rows["topups"] if t["topup_id"] == topup_id)
        self.add(
            "refunds",
            refund_id=rid,
            account_id=a.account_id,
            topup_id=topup_id,
            requested_at=requested_at,
            decided_at=decided_at,
            status=status,
            amount=money(amount),
            destination_ref_hash=top["payer_ref_hash"] if dest is True else (dest or None),
            _acct=a.idx,
        )
        return rid

    def invoice(
        self,
        a: Acct,
        at: int,
        amount: str,
        *,
        title: str = "personal",
        buyer_name: str | None = None,
        buyer_tax_id: str | None = None,
        proof: bool | None = None,
        status: str = "issued",
    ) -> str:
        iid = self._id("PI")
        self.add(
            "invoices",
            invoice_id=iid,
            account_id=a.account_id,
            issued_at=at,
            amount=money(amount),
            title_type=title,
            buyer_name=buyer_name
            or (a.ident["enterprise_name"] if title == "enterprise" else a.ident["real_name"]),
            buyer_tax_id=buyer_tax_id,
            proof_provided=proof,
            status=status,
        )
        return iid

    def action(
        self,
        a: Acct,
        at: int,
        action: str,
        reason: str,
        *,
        topup_id: str | None = None,
        evidence_at: int | None = None,
    ) -> str:
        xid = self._id("PX")
        self.add(
            "account_actions",
            action_id=xid,
            account_id=a.account_id,
            at=at,
            action=action,
            reason=reason,
            topup_id=topup_id,
            evidence_received_at=evidence_at,
        )
        return xid

    def adjustment(
        self,
        a: Acct,
        at: int,
        kind: str,
        amount: str,
        *,
        counterparty: Acct | None = None,
        legal_basis: str | None = None,
    ) -> str:
        jid = self._id("PJ")
        self.add(
            "adjustments",
            adjustment_id=jid,
            account_id=a.account_id,
            at=at,
            kind=kind,
            bucket="cash",
            amount=money(amount),
            counterparty_account_id=counterparty.account_id if counterparty else None,
            legal_basis=legal_basis,
        )
        return jid

    def claim(
        self,
        a: Acct,
        filed_at: int,
        cause: str,
        damage: str,
        claimed: str,
        paid: str | None,
        *,
        model: str = PLANTED_MODEL,
    ) -> str:
        cid = self._id("PC")
        self.add(
            "claims",
            claim_id=cid,
            account_id=a.account_id,
            model=model,
            filed_at=filed_at,
            incident_start=filed_at - 3 * DAY,
            incident_end=filed_at - 3 * DAY + 2 * HOUR,
            cause=cause,
            damage_type=damage,
            claimed_amount=money(claimed),
            paid_amount=None if paid is None else money(paid),
            paid_at=None if paid is None else filed_at + DAY,
        )
        return cid


def m(text: str) -> int:
    return money(text)


def plant(n_bg: int, end: dt.date) -> Planter:
    """Every planted case and near miss; `Planter.expected` is the hand-worked expected list."""
    p = Planter(n_bg, end)
    T, E = p.T, p.expect

    # ---------------------------------------------------------------- RATING_MISMATCH
    a = p.account()
    p.topup(a, T(60), "100.00")
    p.use(a, T(3, 10), 150, charge_delta=m("0.01"))  # charged 1.51, re-rates to 1.50
    E("RATING_MISMATCH", f"{a.account_id}|{PLANTED_MODEL}|{p.day(T(3))}", m("0.01"))
    b = p.account()
    p.topup(b, T(60), "100.00")
    # exactly at the glm-4-plus price cut: 1,000 + 1,000 tokens at the new 0.005/1k = 0.01
    p.use(b, T(12, 0, 0, 0), model="glm-4-plus", in_tok=1000, out_tok=1000)
    # 25 tokens x 0.0001/1k = 0.0000025 -> half-even 0.000002 (half-up would say 0.000003)
    p.use(b, T(11, 15), model="glm-4-flash", in_tok=25, out_tok=0)
    p.near("RATING_MISMATCH", "call exactly at a price change, and a half-even rounding tie")

    # ---------------------------------------------------------------- FUNDING_MISMATCH
    a = p.account()
    p.topup(a, T(60), "100.00")
    r = p.use(a, T(4, 10), 100)
    p.overrides[r] = {"cash": 0, "trial": 0, "discount": m("1.00"), "unpaid": 0}
    E("FUNDING_MISMATCH", f"{a.account_id}|{p.day(T(4))}", m("1.00"))
    b = p.account(T(20, 9))
    p.grant(b, "trial", "1.00", T(20, 9, 20), promotion_id="P-WELCOME")
    p.topup(b, T(20, 9, 30), "50.00")
    r1 = p.use(b, T(4, 9), 100)  # recomputed: trial 1.00
    r2 = p.use(b, T(4, 11), 200)  # recomputed: cash 2.00
    p.overrides[r1] = {"cash": m("1.00"), "trial": 0, "discount": 0, "unpaid": 0}
    p.overrides[r2] = {"cash": m("1.00"), "trial": m("1.00"), "discount": 0, "unpaid": 0}
    p.near("FUNDING_MISMATCH", "parts swapped between two calls of one day; daily sums agree")

    # ---------------------------------------------------------------- TRIAL_USED_AFTER_EXPIRY
    a = p.account(T(34, 9))
    p.grant(a, "trial", "5.00", T(34, 9, 30), promotion_id="P-WELCOME")  # expires T(4, 9:30)
    p.topup(a, T(34, 10), "100.00")
    p.use(a, T(10, 10), 300)  # trial 3.00
    p.use(a, T(4, 9, 29, 59), 100)  # trial 1.00, one second before expiry
    p.use(a, T(4, 9, 30, 0), 50)  # exactly at expiry: cash
    r = p.use(a, T(3, 10), 200)
    p.overrides[r] = {"cash": 0, "trial": m("2.00"), "discount": 0, "unpaid": 0}
    E("TRIAL_USED_AFTER_EXPIRY", f"{a.account_id}|{p.day(T(3))}", m("2.00"))
    E("FUNDING_MISMATCH", f"{a.account_id}|{p.day(T(3))}", m("2.00"))
    p.near(
        "TRIAL_USED_AFTER_EXPIRY", "trial used one second before expiry; cash exactly at expires_at"
    )

    # ---------------------------------------------------------------- USAGE_WITHOUT_BALANCE
    a = p.account()
    p.topup(a, T(6, 8), "10.00")
    p.use(a, T(5, 10), 600)
    p.use(a, T(5, 11), 550)  # 4.00 cash, 1.50 uncovered
    p.use(a, T(5, 12), 25)  # 0.25 uncovered
    E("USAGE_WITHOUT_BALANCE", f"{a.account_id}|{p.day(T(5))}", m("1.75"))
    b = p.account()
    p.topup(b, T(5, 8), "10.00")
    p.use(b, T(5, 9), 400)
    p.use(b, T(5, 10), 600)  # balance exactly used up
    p.topup(b, T(5, 12), "5.00")
    p.use(b, T(5, 12), 500)  # same instant as the credit: credits come first
    p.near(
        "USAGE_WITHOUT_BALANCE", "balance used to the fen; a call at the same instant as its top-up"
    )

    # ---------------------------------------------------------------- INVOICE_EXCEEDS_CONSUMED_CASH
    a = p.account()
    p.topup(a, T(40), "200.00")
    p.use(a, T(8), 3000)
    i = p.invoice(a, T(7), "50.00")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("20.00"))
    b = p.account()
    p.topup(b, T(40), "200.00")
    p.use(b, T(8), 2000)
    p.use(b, T(7, 10, 0, 0), 1000)
    p.invoice(b, T(7, 10, 0, 0), "30.00")  # sees the call at its own instant: equal, not more
    p.near(
        "INVOICE_EXCEEDS_CONSUMED_CASH", "invoice equal to consumed cash incl. a call at issued_at"
    )

    # ---------------------------------------------------------------- INVOICE_ENTITY_MISMATCH
    a = p.account(type="enterprise")
    p.topup(a, T(40), "500.00")
    p.use(a, T(9), 10000)
    other_tax = "91" + "F0E1D2C3B4A59687"
    i = p.invoice(a, T(8), "80.00", title="enterprise", buyer_tax_id=other_tax)
    E("INVOICE_ENTITY_MISMATCH", i, m("80.00"))
    b = p.account(type="enterprise")
    p.topup(b, T(40), "500.00")
    p.use(b, T(9), 10000)
    p.invoice(b, T(8), "80.00", title="enterprise", buyer_tax_id=b.ident["enterprise_tax_id"])
    p.near("INVOICE_ENTITY_MISMATCH", "enterprise title with the account's own tax id")

    # ---------------------------------------------------------------- INVOICE_TITLE_WITHOUT_PROOF
    a = p.account()
    p.topup(a, T(40), "300.00")
    p.use(a, T(9), 10000)
    i1 = p.invoice(
        a,
        T(8),
        "60.00",
        title="enterprise",
        buyer_name="上海某某信息技术有限公司",
        buyer_tax_id="91310000MA1K000001",
        proof=False,
    )
    i2 = p.invoice(
        a,
        T(7),
        "30.00",
        title="enterprise",
        buyer_name="上海某某信息技术有限公司",
        buyer_tax_id="91310000MA1K000001",
        proof=None,
    )
    E("INVOICE_TITLE_WITHOUT_PROOF", i1, m("60.00"))
    E("INVOICE_TITLE_WITHOUT_PROOF", i2, m("30.00"))
    b = p.account()
    p.topup(b, T(40), "300.00")
    p.use(b, T(9), 10000)
    p.invoice(
        b,
        T(8),
        "60.00",
        title="enterprise",
        buyer_name="杭州某某网络科技有限公司",
        buyer_tax_id="91330100MA2K000002",
        proof=True,
    )
    p.near("INVOICE_TITLE_WITHOUT_PROOF", "personal account, enterprise title, proof provided")

    # ---------------------------------------------------------------- REFUND_DUPLICATE
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(30), "100.00")
    p.refund(a, t, "30.00", T(20), T(19), "approved")
    r = p.refund(a, t, "20.00", T(15), T(14), "paid")
    E("REFUND_DUPLICATE", r, m("20.00"))
    b = p.account()
    t = p.topup(b, T(30), "100.00")
    p.refund(b, t, "60.00", T(20), T(19), "rejected")
    p.refund(b, t, "40.00", T(15), T(14), "approved")
    p.refund(b, t, "10.00", T(3), None, "requested")
    p.near("REFUND_DUPLICATE", "rejected then approved, and a pending request, of one top-up")

    # ---------------------------------------------------------------- REFUND_EXCEEDS_REFUNDABLE
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    p.use(a, T(20), 4000)
    r = p.refund(a, t, "80.00", T(10), T(9), "approved")
    E("REFUND_EXCEEDS_REFUNDABLE", r, m("20.00"))
    b = p.account()
    t = p.topup(b, T(40), "100.00", promos="P-TOPUP5")
    p.grant(b, "discount", "10.00", T(40, 10, 0, 1), topup_id=t, promotion_id="P-TOPUP5")
    p.use(b, T(20), 1500)  # discount 10.00, cash 5.00
    p.refund(b, t, "85.00", T(10), T(9), "approved")  # = 100 - 5 - 10: refund equal to refundable
    c = p.account()
    t = p.topup(c, T(40), "50.00")
    p.refund(
        c, t, "80.00", T(2), local_us(end + dt.timedelta(days=1)), "approved"
    )  # decided at "now"
    p.near(
        "REFUND_EXCEEDS_REFUNDABLE",
        "refund equal to refundable (with discount used); one decided at now",
    )

    # ---------------------------------------------------------------- REFUND_OF_INVOICED_AMOUNT
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    p.use(a, T(20), 2000)
    i = p.invoice(a, T(15), "50.00")
    r = p.refund(a, t, "60.00", T(10), T(9), "approved")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("30.00"))  # collateral: over-invoicing is its premise
    E("REFUND_OF_INVOICED_AMOUNT", r, m("30.00"))  # refundable 80 - 30 = 50 < 60; min(60, 30)
    b = p.account()
    t = p.topup(b, T(40), "100.00")
    p.use(b, T(20), 2000)
    i = p.invoice(b, T(15), "50.00")
    p.refund(b, t, "50.00", T(10), T(9), "approved")
    E("INVOICE_EXCEEDS_CONSUMED_CASH", i, m("30.00"))
    p.near(
        "REFUND_OF_INVOICED_AMOUNT", "refund equal to the account's refundable while over-invoiced"
    )

    # ---------------------------------------------------------------- REFUND_TO_OTHER_INSTRUMENT
    a = p.account()
    t = p.topup(a, T(40), "100.00")
    r = p.refund(a, t, "30.00", T(10), T(9), "approved", dest="pay_" + "9e9e9e9e9e9e9e9e")
    E("REFUND_TO_OTHER_INSTRUMENT", r, m("30.00"))
    b = p.account()
    t = p.topup(b, T(40), "100.00")
    p.refund(b, t, "30.00", T(10), T(9), "approved")
    p.refund(b, t, "10.00", T(8), T(7), "rejected", dest=None)
    p.near("REFUND_TO_OTHER_INSTRUMENT", "refund to the paying instrument; one without destination")

    # ---------------------------------------------------------------- BALANCE_TRANSFER
    a, b = p.account(), p.account()
    p.topup(a, T(40), "500.00")
    p.topup(b, T(40), "50.00")
    j1 = p.adjustment(a, T(6), "transfer_out", "-50.00", counterparty=b)
    j2 = p.adjustment(b, T(6), "transfer_in", "50.00", counterparty=a)
    E("BALANCE_TRANSFER", j1, m("50.00"))
    E("BALANCE_TRANSFER", j2, m("50.00"))
    law = "(2026)京0105民初12345号 civil judgment"
    p.adjustment(a, T(5), "transfer_out", "-20.00", counterparty=b, legal_basis=law)
    p.adjustment(b, T(5), "transfer_in", "20.00", counterparty=a, legal_basis=law)
    p.adjustment(a, T(4), "goodwill", "5.00")
    p.near("BALANCE_TRANSFER", "transfer with a court ruling; goodwill without legal basis")

    # ---------------------------------------------------------------- MINOR_REGISTRATION / TOPUP_BY_MINOR
    reg_day = end - dt.timedelta(days=10)
    a = p.account(T(10), birth_date=dt.date(reg_day.year - 17, 6, 1))
    E("MINOR_REGISTRATION", a.account_id)
    b = p.account(T(30), birth_date=dt.date(end.year - 17, 3, 15))
    t = p.topup(b, T(8), "50.00")
    E("TOPUP_BY_MINOR", t, m("50.00"))
    E(
        "MINOR_REGISTRATION", b.account_id
    )  # collateral: a minor at the top-up was one at registration
    # registered and topped up on the 18th birthday, 00:30 and 00:45 local (16:30 UTC the day before)
    c = p.account(T(10, 0, 30), birth_date=dt.date(reg_day.year - 18, reg_day.month, reg_day.day))
    p.topup(c, T(10, 0, 45), "50.00")
    p.near("MINOR_REGISTRATION", "registered on the 18th birthday at 00:30 local")
    p.near("TOPUP_BY_MINOR", "top-up on the 18th birthday at 00:45 local")

    # ---------------------------------------------------------------- TOPUP_BY_UNVERIFIED_ACCOUNT
    a = p.account(T(20), verified=None, id_doc_hash=None, birth_date=None)
    t = p.topup(a, T(18), "80.00", payer_id=None)
    idn = a.ident
    p.version(
        a,
        T(15),
        real_name_verified_at=T(15),
        id_doc_hash=idn["id_doc_hash"],
        birth_date=dt.date(1990, 5, 5),
    )
    E("TOPUP_BY_UNVERIFIED_ACCOUNT", t, m("80.00"))
    b = p.account(T(20), verified=None, id_doc_hash=None, birth_date=None)
    p.topup(b, T(18), "80.00", payer_id=None)
    p.version(
        b,
        T(15),
        real_name_verified_at=T(19),
        id_doc_hash=b.ident["id_doc_hash"],
        birth_date=dt.date(1991, 6, 6),
    )  # verified before paying, recorded later
    c = p.account(T(20), verified=T(18))
    p.topup(c, T(18), "80.00")  # paid exactly at verification
    p.near(
        "TOPUP_BY_UNVERIFIED_ACCOUNT",
        "verification recorded in a later version; paid at verified_at",
    )

    # ---------------------------------------------------------------- ACCOUNT_TRANSFERRED
    a = p.account(T(100))
    p.topup(a, T(40), "300.00")
    p.use(a, T(20), 5000)
    p.use(a, T(15, 10, 0, 0), 700)  # at the change's instant: counts as consumed before it
    new1, new2 = p.fresh_identity(), p.fresh_identity()
    p.version(
        a,
        T(15),
        real_name=new1["real_name"],
        id_doc_hash=new1["id_doc_hash"],
        birth_date=new1["birth_date"],
        address=new1["address"],
    )
    p.use(a, T(10), 3000)
    p.version(
        a,
        T(5),
        real_name=new2["real_name"],
        id_doc_hash=new2["id_doc_hash"],
        birth_date=new2["birth_date"],
        address=new2["address"],
    )
    E("ACCOUNT_TRANSFERRED", a.account_id, m("243.00"))  # 300 - 50 - 7 at the first change only
    b = p.account(T(100), verified=None)
    nb = p.fresh_identity()
    p.version(
        b,
        T(15),
        real_name=nb["real_name"],
        id_doc_hash=nb["id_doc_hash"],
        birth_date=nb["birth_date"],
        real_name_verified_at=T(15),
    )  # verified at, not before
    c = p.account(T(100), id_doc_hash=None)
    p.version(c, T(15), id_doc_hash=c.ident["id_doc_hash"])  # first recording, not a change
    p.near("ACCOUNT_TRANSFERRED", "doc changes in the version that verifies; null to value")

    # ---------------------------------------------------------------- MULTI_ACCOUNT_CLUSTER
    a = p.account(email="zhou.mingyu+test@gmail.com")
    b = p.account(email="ZhouMingyu@googlemail.com")
    c = p.account(device_id=b.ident["device_id"])
    for x in (a, b, c):
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    d = p.account(email="sun.lihua@example.com")
    p.account(email="sunlihua@example.com")  # dots count outside gmail: not linked
    p.account(email="sun.lihua+work@example.com")  # +tag dropped: linked with d (pair only)
    del d
    p.near(
        "MULTI_ACCOUNT_CLUSTER", "gmail dots and +tags against another domain: a pair, not three"
    )

    # ---------------------------------------------------------------- TRIAL_FARMING
    a = p.account(T(25, 9))
    p.grant(a, "trial", "10.00", T(25, 9, 5), promotion_id="P-WELCOME")
    b = p.account(T(20, 9), phone_hash=a.ident["phone_hash"])
    g = p.grant(b, "trial", "10.00", T(20, 9, 5), promotion_id="P-WELCOME")
    E("TRIAL_FARMING", g, m("10.00"))
    c = p.account(T(25, 9))
    p.grant(c, "trial", "10.00", T(25, 9, 5), promotion_id="P-WELCOME")
    p.grant(c, "trial", "5.00", T(10, 9, 5), promotion_id="P-WELCOME")
    p.account(T(20, 9), device_id=c.ident["device_id"])
    p.near("TRIAL_FARMING", "two trials on one account of a two-account cluster")

    # ---------------------------------------------------------------- TRIAL_NOT_NEW_CUSTOMER
    a = p.account(T(45, 10))
    g = p.grant(a, "trial", "8.00", T(10, 10))
    E("TRIAL_NOT_NEW_CUSTOMER", g, m("8.00"))
    b = p.account(T(40, 10))
    p.grant(b, "trial", "8.00", T(10, 10))  # exactly 30 days after registration
    p.near("TRIAL_NOT_NEW_CUSTOMER", "trial exactly 30 days after registration")

    # ---------------------------------------------------------------- REREGISTRATION_AFTER_TERMINATION
    a = p.account(T(300))
    p.action(a, T(20), "terminate", "improper_registration")
    b = p.account(T(10), phone_hash=a.ident["phone_hash"])
    E("REREGISTRATION_AFTER_TERMINATION", b.account_id)
    c = p.account(T(300))
    p.action(c, T(20), "close", "user_request")
    p.account(T(10), device_id=c.ident["device_id"])
    e = p.account(T(300))
    p.action(e, T(25), "terminate", "other")
    p.action(e, T(15), "reinstate", "other")
    p.account(T(10), device_id=e.ident["device_id"])
    p.near(
        "REREGISTRATION_AFTER_TERMINATION", "after a close; after a terminate undone by reinstate"
    )

    # ---------------------------------------------------------------- PROMOTION_STACKED
    a = p.account()
    p.topup(a, T(40), "200.00")
    t = p.topup(a, T(20), "500.00", promos="P-TOPUP5;P-CASHBACK")
    p.grant(a, "discount", "25.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-TOPUP5")
    p.grant(a, "discount", "10.00", T(20, 10, 0, 2), topup_id=t, promotion_id="P-CASHBACK")
    E("PROMOTION_STACKED", t, m("35.00"))
    b = p.account()
    t = p.topup(b, T(20), "500.00", promos="P-CASHBACK;P-COUPON")
    p.grant(b, "discount", "10.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-CASHBACK")
    p.grant(b, "discount", "5.00", T(20, 10, 0, 2), topup_id=t, promotion_id="P-COUPON")
    p.near("PROMOTION_STACKED", "two stackable promotions on one top-up")

    # ---------------------------------------------------------------- PROMOTION_NEW_CUSTOMER_ONLY
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(20), "200.00", promos="P-NEWBIE")
    p.grant(a, "discount", "20.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-NEWBIE")
    E("PROMOTION_NEW_CUSTOMER_ONLY", t, m("20.00"))
    b = p.account()
    p.topup(b, T(40), "100.00", status="failed")
    t = p.topup(b, T(20), "200.00", promos="P-NEWBIE")
    p.grant(b, "discount", "20.00", T(20, 10, 0, 1), topup_id=t, promotion_id="P-NEWBIE")
    p.near("PROMOTION_NEW_CUSTOMER_ONLY", "new-customer promotion after a failed top-up only")

    # ---------------------------------------------------------------- USAGE_WHILE_SUSPENDED
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.use(a, T(6, 9, 59, 59), 50)
    p.action(a, T(6, 10), "lock", "content_violation")
    p.use(a, T(6, 10, 0, 0), 100)  # at the lock's instant: inside [lock, unlock)
    p.use(a, T(6, 12), 200)
    p.action(a, T(6, 14), "unlock", "content_violation")
    p.use(a, T(6, 14, 0, 0), 300)  # at the unlock's instant: outside
    E("USAGE_WHILE_SUSPENDED", f"{a.account_id}|{p.day(T(6))}", m("3.00"))
    p.near("USAGE_WHILE_SUSPENDED", "calls one second before the lock and exactly at the unlock")

    # ---------------------------------------------------------------- USAGE_AFTER_TERMINATION
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.action(a, T(7), "close", "user_request")
    p.use(a, T(6), 400)
    p.action(a, T(5), "reinstate", "user_request")
    p.use(a, T(5, 10, 0, 0), 100)  # exactly at the reinstate
    E("USAGE_AFTER_TERMINATION", f"{a.account_id}|{p.day(T(6))}", m("4.00"))
    p.near("USAGE_AFTER_TERMINATION", "call exactly at the reinstate")

    # ---------------------------------------------------------------- DISPUTE_OVERDUE
    a = p.account()
    p.topup(a, T(60), "200.00")
    t = p.topup(a, T(50), "300.00", payer_id=None)
    x = p.action(a, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.action(a, T(5), "unlock", "third_party_topup_dispute", topup_id=t)  # too late: no cure
    E("DISPUTE_OVERDUE", x, m("300.00"))
    b = p.account()
    t = p.topup(b, T(50), "300.00", payer_id=None)
    p.action(b, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.action(b, T(40) + 30 * DAY - HOUR, "unlock", "third_party_topup_dispute", topup_id=t)
    c = p.account()
    t = p.topup(c, T(50), "300.00", payer_id=None)
    p.action(c, T(20), "lock", "third_party_topup_dispute", topup_id=t)  # window still open
    d = p.account()
    t = p.topup(d, T(50), "300.00", payer_id=None)
    p.action(d, T(40), "lock", "third_party_topup_dispute", topup_id=t, evidence_at=T(35))
    e = p.account()
    t = p.topup(e, T(50), "300.00", payer_id=None)
    p.action(e, T(40), "lock", "third_party_topup_dispute", topup_id=t)
    p.refund(e, t, "300.00", T(32), T(30), "paid")
    p.near("DISPUTE_OVERDUE", "unlock at 29 d 23 h; open window; evidence; refund within 30 days")

    # ---------------------------------------------------------------- THIRD_PARTY_TOPUP
    a = p.account()
    t = p.topup(a, T(12), "150.00", payer_id="doc_" + "3d3d3d3d3d3d3d3d")
    E("THIRD_PARTY_TOPUP", t, m("150.00"))
    b = p.account(type="enterprise")
    p.topup(b, T(12), "150.00")  # paid by the enterprise itself (tax id)
    c = p.account()
    p.topup(c, T(12), "150.00")
    p.near("THIRD_PARTY_TOPUP", "enterprise paying under its tax id; person under own document")

    # ---------------------------------------------------------------- PAYER_FAN_OUT
    fan = [p.account() for _ in range(5)]
    for x, k in zip(fan, (20, 18, 15, 10, 5)):
        t = p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa01", payer_id=None)
        E("PAYER_FAN_OUT", t, m("100.00"))
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)  # collateral: a shared instrument links them
    four = [p.account() for _ in range(4)]
    for x, k in zip(four, (20, 18, 15, 10)):
        p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa02", payer_id=None)
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    spread = [p.account() for _ in range(5)]
    for x, k in zip(spread, (35, 30, 25, 20, 5)):  # first and fifth exactly 30 days apart
        p.topup(x, T(k), "100.00", payer_ref="pay_" + "fa0fa0fa0fa0fa03", payer_id=None)
        E("MULTI_ACCOUNT_CLUSTER", x.account_id)
    p.near("PAYER_FAN_OUT", "four accounts; five accounts spanning exactly 30 days")

    # ---------------------------------------------------------------- STRUCTURED_TOPUPS
    a = p.account()
    for hh_day in ((9, 8), (9, 11), (9, 14), (9, 17), (8, 3)):
        t = p.topup(a, T(hh_day[0], hh_day[1]), "4500.00", method="bank_transfer")
        E("STRUCTURED_TOPUPS", t, m("4500.00"))
    b = p.account()
    for h in (8, 10, 12, 14):
        p.topup(b, T(9, h), "6000.00")
    c = p.account()
    for h in (8, 10, 12, 14, 16):
        p.topup(c, T(9, h), "3999.99")
    d = p.account()
    for k, h in ((9, 8), (9, 14), (9, 20), (8, 2), (8, 8)):  # first to fifth exactly 24 h
        p.topup(d, T(k, h), "4500.00")
    e = p.account()
    for h in (8, 10, 12, 14):
        p.topup(e, T(9, h), "4500.00")
    p.topup(e, T(9, 16), "12000.00")
    p.near(
        "STRUCTURED_TOPUPS",
        "4 top-ups; total 19,999.95; spread exactly 24 h; one of 12,000 not counted",
    )

    # ---------------------------------------------------------------- RAPID_TOPUP_REFUND
    a = p.account()
    t = p.topup(a, T(10, 10), "200.00")
    r = p.refund(a, t, "50.00", T(8, 10), T(7, 10), "rejected")
    E("RAPID_TOPUP_REFUND", r, m("50.00"))
    b = p.account()
    t = p.topup(b, T(12, 10), "200.00")
    r = p.refund(b, t, "150.00", T(9, 10), T(9, 12), "approved")  # exactly 72 h
    E("RAPID_TOPUP_REFUND", r, m("150.00"))
    c = p.account()
    t = p.topup(c, T(12, 10), "200.00")
    p.refund(c, t, "50.00", T(9, 10, 0, 1), T(8), "rejected")  # 72 h + 1 s
    d = p.account()
    t = p.topup(d, T(12, 10), "100.00")
    p.use(d, T(11, 10), 500)  # exactly 5 % consumed
    p.refund(d, t, "50.00", T(11, 12), T(10), "approved")
    p.near("RAPID_TOPUP_REFUND", "requested 72 h + 1 s after; exactly 5 % consumed")

    # ---------------------------------------------------------------- CHARGEBACK
    a = p.account()
    p.topup(a, T(40), "100.00")
    t = p.topup(a, T(15), "60.00", chargeback_at=T(12))
    E("CHARGEBACK", t, m("60.00"))
    b = p.account()
    p.topup(b, T(15), "60.00", status="failed", chargeback_at=T(12))
    p.near("CHARGEBACK", "chargeback on a failed top-up")

    # ---------------------------------------------------------------- CONTENT_VIOLATIONS_REPEATED
    a = p.account()
    p.topup(a, T(40), "50.00")
    for k in (15, 13, 10):
        p.use(a, T(k), 10, label="violence")
    E("CONTENT_VIOLATIONS_REPEATED", a.account_id)
    b = p.account()
    p.topup(b, T(40), "50.00")
    for k in (20, 17, 13):  # first and third exactly 7 days apart
        p.use(b, T(k), 10, label="pornography")
    p.near("CONTENT_VIOLATIONS_REPEATED", "three flagged calls spanning exactly 7 days")

    # ---------------------------------------------------------------- INDIRECT_DAMAGES_PAID / EXEMPT_CAUSE_PAID
    a = p.account()
    p.topup(a, T(40), "1000.00")
    p.use(a, T(20), 20000)
    c = p.claim(a, T(10), "platform_fault", "indirect", "150.00", "40.00")
    E("INDIRECT_DAMAGES_PAID", c, m("40.00"))
    b = p.account()
    p.topup(b, T(40), "1000.00")
    p.use(b, T(20), 1000)
    p.claim(b, T(10), "platform_fault", "indirect", "150.00", "0.00")
    p.near("INDIRECT_DAMAGES_PAID", "indirect claim paid 0.00")
    a = p.account()
    p.topup(a, T(40), "1000.00")
    p.use(a, T(20), 20000)
    c = p.claim(a, T(10), "maintenance", "direct", "50.00", "25.00")
    E("EXEMPT_CAUSE_PAID", c, m("25.00"))
    b = p.account()
    p.topup(b, T(40), "1000.00")
    p.use(b, T(20), 20000)
    p.claim(b, T(10), "force_majeure", "direct", "50.00", None)
    p.claim(b, T(9), "platform_fault", "direct", "50.00", "25.00")
    p.near("EXEMPT_CAUSE_PAID", "force majeure unpaid; platform fault paid")

    # ---------------------------------------------------------------- LIABILITY_CAP_EXCEEDED
    a = p.account()
    p.topup(a, T(40), "100.00")
    p.use(a, T(20), 3000)
    p.claim(a, T(15), "platform_fault", "direct", "20.00", "20.00")
    c = p.claim(a, T(10), "platform_fault", "direct", "15.00", "15.00")
    E("LIABILITY_CAP_EXCEEDED", c, m("5.00"))
    b = p.account(T(20, 9))
    p.grant(b, "trial", "10.00", T(20, 9, 5), promotion_id="P-WELCOME")
    p.topup(b, T(20, 10), "100.00")
    p.use(b, T(15), 3500)  # trial 10.00, cash 25.00: the cap (fees paid) is 25.00
    p.claim(b, T(12), "platform_fault", "direct", "15.00", "15.00")
    p.claim(b, T(10), "platform_fault", "direct", "10.00", "10.00")
    p.near("LIABILITY_CAP_EXCEEDED", "paid equal to the cash cap (the charged cap would be higher)")

    return p
