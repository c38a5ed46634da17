"""Both packs go through a real SMTP server on 127.0.0.1 and arrive whole: the figures the
warehouse holds, XLSX with numeric money, a PDF with every rule and its clause. A server that
is not there fails in one line and nothing is recorded as sent; a second send mails nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from packs import END, figures, free_port, money_text, parts, pdf_text, squash, xlsx_cells

from reports.send import Server, delivered, send_packs

DAY_BEFORE = END - dt.timedelta(days=1)


def copy_packs(built, tmp_path) -> Path:
    folder = tmp_path / END.isoformat()
    shutil.copytree(built.folder, folder)
    return folder


def warehouse_figures(warehouse) -> dict:
    """The finance headlines straight from marts.account_balances: stocks at END, flows as the
    change of the cumulative figures from the day before (rules.md §1)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = {(r[0]): r[1:] for r in con.execute(
            "SELECT business_date, sum(cash_credited), sum(cash_consumed), sum(unconsumed_cash),"
            " sum(refundable_now), sum(invoiceable_now), sum(over_invoiced)"
            " FROM marts.account_balances WHERE business_date IN ($a, $b) GROUP BY 1",
            {"a": END, "b": DAY_BEFORE}).fetchall()}
        finance_open = con.execute(
            "SELECT count(*) FROM marts.violations WHERE audience = 'finance'").fetchall()[0][0]
        legal = con.execute("SELECT rule_id, clause, count(*) FROM marts.violations GROUP BY ALL"
                            ).fetchall()
    finally:
        con.close()
    today, before = rows[END], rows[DAY_BEFORE]
    return {"cash_topped_up": today[0] - before[0], "used_cash": today[1] - before[1],
            "deferred_revenue": today[2], "refundable": today[3], "invoiceable": today[4],
            "over_invoiced": today[5], "finance_violations": finance_open, "rules": legal}


def test_both_packs_arrive_through_smtp_with_the_warehouses_figures(built, warehouse, inbox,
                                                                    tmp_path):
    folder = copy_packs(built, tmp_path)
    done = send_packs(folder, Server("127.0.0.1", inbox.port), attempts=1)
    assert done == {"finance": "sent", "legal": "sent"}
    assert len(inbox.messages) == 2
    got = {msg["Subject"].split()[1].lower(): (rcpt, msg) for rcpt, msg in inbox.messages}
    expected = warehouse_figures(warehouse)

    # finance: subject, recipients, headline figures, chart inline, XLSX with numeric money
    rcpt, msg = got["finance"]
    assert rcpt == ["finance@localhost"] and msg["To"] == "finance@localhost"
    assert msg["Subject"].startswith(f"[ledger-audit] Finance {END}: deferred revenue ")
    p = parts(msg)
    shown = figures(p["html"])
    for key in ("cash_topped_up", "used_cash", "deferred_revenue", "refundable", "invoiceable",
                "over_invoiced"):
        assert shown[key] == money_text(expected[key]), key
    assert shown["finance_violations"] == f"{expected['finance_violations']:,}"
    assert 'src="cid:trend"' in p["html"] and p["inline"]["trend"][:8] == b"\x89PNG\r\n\x1a\n"
    sheets = xlsx_cells(p["attachments"]["finance.xlsx"])
    assert list(sheets) == ["Summary", "Funding breaks", "Top-up positions", "Finance violations",
                            "Balances needing attention"]
    positions = sheets["Top-up positions"]
    head = [c.value for c in positions[0]]
    amount = head.index("amount")
    assert len(positions) > 1
    for row in positions[1:]:
        cell = row[amount]
        assert cell.data_type == "n" and isinstance(cell.value, (int, float)), cell.value
        assert cell.number_format == "#,##0.00"
    summary = {r[0].value: r[1].value for r in sheets["Summary"][3:] if r[0].value}
    assert summary["Deferred revenue (unconsumed cash)"] == float(expected["deferred_revenue"])

    # legal: subject, recipients, PDF with every rule id and clause, XLSX with the violations
    rcpt, msg = got["legal"]
    assert rcpt == ["legal@localhost"] and msg["To"] == "legal@localhost"
    assert msg["Subject"].startswith(f"[ledger-audit] Legal {END}: ")
    p = parts(msg)
    pages, text = pdf_text(p["attachments"]["legal.pdf"])
    assert pages > 3
    flat = squash(text)
    for rule_id, clause, _ in expected["rules"]:
        assert rule_id in text, rule_id
        assert squash(clause) in flat, f"{rule_id}: clause not in the PDF"
    sheets = xlsx_cells(p["attachments"]["legal.xlsx"])
    assert list(sheets) == ["Summary", "Violations", "No longer seen", "Liability caps",
                            "Identity clusters", "Suspicious top-ups"]
    assert len(sheets["Violations"]) - 1 == sum(n for _, _, n in expected["rules"])
    for rcpt_msg in (got["finance"][1], got["legal"][1]):
        assert len(rcpt_msg.as_bytes()) < 10 * 1024 * 1024


def test_a_second_send_mails_nothing_and_resend_mails_again(built, inbox, tmp_path):
    folder = copy_packs(built, tmp_path)
    server = Server("127.0.0.1", inbox.port)
    send_packs(folder, server, attempts=1)
    assert len(inbox.messages) == 2
    again = send_packs(folder, server, attempts=1)
    assert len(inbox.messages) == 2, "a second send mailed the packs twice"
    assert all(v.startswith("already sent at") for v in again.values())
    send_packs(folder, server, attempts=1, resend=True)
    assert len(inbox.messages) == 4


def test_unreachable_server_fails_in_one_line_and_records_nothing(built, warehouse, tmp_path):
    port = free_port()  # nothing listens there
    config = tmp_path / "c.toml"
    config.write_text(f'[email]\nsmtp_port = {port}\nsend_attempts = 2\nretry_seconds = 0.1\n')
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "ledger_audit.cli", "report", "--warehouse", str(warehouse),
         "--date", END.isoformat(), "--out", str(out), "--send", "--config", str(config)],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ledger-audit: error: could not send the finance pack for {END} "
                               f"to 127.0.0.1:{port} (none) after 2 tries: ")
    assert delivered(out / END.isoformat()) == {}
    assert not (out / END.isoformat() / "delivery.json").exists()
    assert (out / END.isoformat() / "finance.eml").exists()  # built, just not sent


def test_a_refusing_server_records_only_what_it_accepted(built, inbox, tmp_path):
    """The legal pack goes to a mailbox the server refuses (550): finance is recorded as sent,
    legal is not, and the error says who was refused."""
    import email
    import email.policy

    import pytest

    from reports.send import SendError

    folder = copy_packs(built, tmp_path)
    legal = folder / "legal.eml"
    msg = email.message_from_bytes(legal.read_bytes(), policy=email.policy.default)
    msg.replace_header("To", "nobody@refused.invalid")
    legal.write_bytes(bytes(msg))
    with pytest.raises(SendError, match=r"^could not send the legal pack for 2026-11-20 to "
                       r"127.0.0.1:\d+ \(none\) after 1 try: recipients refused: "
                       r"nobody@refused.invalid \(550 no such user\)"):
        send_packs(folder, Server("127.0.0.1", inbox.port), attempts=3, retry_seconds=0)
    record = json.loads((folder / "delivery.json").read_text())
    assert list(record) == ["finance"]
    assert [m["Subject"].split()[1] for _, m in inbox.messages] == ["Finance"]


def test_an_unreachable_server_is_retried_with_doubling_waits(built, tmp_path):
    from reports.send import SendError

    folder = copy_packs(built, tmp_path)
    waits = []
    port = free_port()
    import pytest

    with pytest.raises(SendError, match=r"after 3 tries: .*Connection refused"):
        send_packs(folder, Server("127.0.0.1", port), attempts=3, retry_seconds=0.5,
                   sleep=waits.append)
    assert waits == [0.5, 1.0]
    assert delivered(folder) == {}
