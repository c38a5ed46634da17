"""What every planted case is written with: the `Planter`, which hands out fresh accounts and
records their rows, the findings they must raise and the near misses they must not.

Every scenario gets its own fresh accounts (distinct identities unless a link is the point), so a
case cannot leak into another. Times are whole seconds, given as (days before the last business
date, hh, mm, ss) in the platform time zone. Planted usage uses the model `glm-x-planted` (0.005
per 1k input tokens: 2,000 tokens = 0.01) unless a case needs another.
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
    """Micro-yuan of a decimal text ("1.75")."""
    return money(text)
