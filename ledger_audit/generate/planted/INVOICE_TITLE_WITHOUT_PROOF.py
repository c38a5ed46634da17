"""Planted cases of INVOICE_TITLE_WITHOUT_PROOF, with the near misses that must not be flagged."""

from __future__ import annotations

from ledger_audit.generate.planted.planter import Planter, m

RULE_ID = "INVOICE_TITLE_WITHOUT_PROOF"
ORDER = 70  # place in the planting sequence: ids are numbered in it


def plant(p: Planter) -> None:
    T, E = p.T, p.expect
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
