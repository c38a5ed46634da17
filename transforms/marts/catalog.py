"""What each published table is: its grain in one sentence and every contract column's meaning,
with units and rounding for money. Applied to the warehouse as DuckDB comments
(`SELECT comment FROM duckdb_tables()` / `duckdb_columns()`), so analysts read it where they query.

Money: CNY, exact DECIMAL. "(18,2)" columns are fen; "(18,6)" keep the usage charges' 6 decimals,
never rounded except where a column says so.
"""

from __future__ import annotations

import duckdb

from core.sql import literal

CNY6 = "CNY, DECIMAL(18,6), exact (not rounded)"
CNY2 = "CNY, DECIMAL(18,2)"
CUM = "cumulative up to the end of business_date"

MARTS: dict[str, dict] = {
    "violations": {
        "grain": "One row per (rule_id, subject_id): a rule of rules.md broken by one subject, as of the run's date.",
        "columns": {
            "violation_id": "stable id: the same finding keeps it on every later run until its data changes",
            "rule_id": "rule of rules.md §2",
            "severity": "violation (breaks the agreement) | risk (needs review) | break (two books disagree)",
            "clause": "the agreement clause, in words a lawyer recognises",
            "account_id": "account concerned",
            "subject_type": "kind of record flagged (topup, refund, invoice, account-date, …)",
            "subject_id": "the record's id, account_id|YYYY-MM-DD, or account_id|model|YYYY-MM-DD (rules.md §5)",
            "occurred_at": "when the offending event happened (UTC instant)",
            "amount_at_stake": f"{CNY2}, rounded half-even to the fen",
            "evidence": "JSON text: the records, times and amounts the finding rests on",
            "first_detected_on": "business date this rule first flagged this subject",
            "last_seen_on": "business date of the latest run that still flags it",
        },
    },
    "account_balances": {
        "grain": "One row per account and business date, every date from the account's first record to the run's date; every figure cumulative to the end of that date.",
        "columns": {
            "account_id": "account",
            "business_date": "date in the platform time zone",
            "cash_credited": f"Σ succeeded top-ups, {CNY6}, {CUM}",
            "cash_consumed": f"usage drawn from cash by the recomputed funding, {CNY6}, {CUM}",
            "cash_refunded": f"approved or paid refunds decided, full amounts, {CNY6}, {CUM}",
            "unconsumed_cash": f"cash_credited − cash_consumed − cash_refunded (deferred revenue; may be negative after an excessive refund), {CNY6}",
            "trial_credited": f"Σ trial grants, {CNY6}, {CUM}",
            "trial_consumed": f"usage drawn from trial grants, {CNY6}, {CUM}",
            "trial_expired": f"trial remainders forfeited at expiry, {CNY6}, {CUM}",
            "discount_credited": f"Σ discount grants, {CNY6}, {CUM}",
            "discount_consumed": f"usage drawn from discount grants, {CNY6}, {CUM}",
            "discount_expired": f"discount remainders forfeited at expiry or voided by a refund, {CNY6}, {CUM}",
            "invoiced": f"Σ issued, not voided, invoices, {CNY6}, {CUM}",
            "over_invoiced": f"max(0, invoiced − cash_consumed): invoiced before consumed, {CNY6}",
            "refundable_now": f"max(0, unconsumed_cash − over_invoiced) (Zhipu §8.4), {CNY6}",
            "invoiceable_now": f"max(0, cash_consumed − invoiced) (Zhipu §7.1), {CNY6}",
            "uncovered": f"usage no bucket covered (Zhipu §6.3), {CNY6}, {CUM}",
        },
    },
    "topup_positions": {
        "grain": "One row per succeeded top-up, as of the end of the run's business date.",
        "columns": {
            "topup_id": "top-up",
            "account_id": "account",
            "amount": f"cash paid, {CNY2}",
            "cash_consumed": f"usage cash drawn from this top-up (FIFO), {CNY6}",
            "discount_used": f"usage drawn from discount grants earned with this top-up, {CNY6}",
            "refunded": f"approved or paid refunds of this top-up decided, {CNY6}",
            "refundable_now": f"max(0, amount − cash_consumed − refunded − discount_used) (Zhipu §8.1–8.3), {CNY6}",
        },
    },
    "funding_breaks": {
        "grain": "One row per account and business date where the platform's funding of usage differs from the recomputed funding.",
        "columns": {
            "account_id": "account",
            "business_date": "date in the platform time zone",
            "platform_cash": f"Σ usage cash_amount that day, {CNY6}",
            "platform_trial": f"Σ usage trial_amount that day, {CNY6}",
            "platform_discount": f"Σ usage discount_amount that day, {CNY6}",
            "platform_unpaid": f"Σ usage unpaid_amount that day, {CNY6}",
            "recomputed_cash": f"cash the recomputed funding drew that day, {CNY6}",
            "recomputed_trial": f"trial the recomputed funding drew that day, {CNY6}",
            "recomputed_discount": f"discount the recomputed funding drew that day, {CNY6}",
            "recomputed_uncovered": f"usage the recomputed funding could not cover that day, {CNY6}",
        },
    },
    "identity_clusters": {
        "grain": "One row per account: the identity cluster it belongs to (rules.md §3).",
        "columns": {
            "account_id": "account",
            "cluster_id": "cluster: connected component of identity links",
            "cluster_size": "accounts in the cluster (1: no links)",
            "links": "JSON text: [{signal, other account, weight}] — why this account is linked",
        },
    },
    "liability_caps": {
        "grain": "One row per compensation claim: its cap under Zhipu §9.5 and what is payable.",
        "columns": {
            "claim_id": "claim",
            "account_id": "account",
            "model": "the service in breach",
            "cap_basis": "paid (Σ cash_amount) or charged (Σ amount), from config",
            "cap": f"fees for the model up to filed_at on that basis, {CNY6}",
            "eligible": f"claimed_amount if direct damage from a platform fault, else 0, {CNY2}",
            "paid_before": f"paid on earlier claims of the same account and model, {CNY2}",
            "payable": f"min(eligible, cap − paid_before), never below 0, {CNY6}",
            "reason": "why less than claimed is payable: indirect damage, exempt cause, cap reached",
        },
    },
    "load_audit": {
        "grain": "One row per landing file loaded (source × partition × file).",
        "columns": {
            "source": "landing source", "dt": "partition date", "file": "path below the landing zone",
            "rows_read": "data rows read", "rows_loaded": "rows kept",
            "rows_duplicate": "identical copies of an earlier record, dropped",
            "rows_quarantined": "rows rejected, each in marts.quarantine with its reason",
            "sha256": "file content hash at load", "loaded_at": "when the file was first loaded (UTC)",
        },
    },
    "quarantine": {
        "grain": "One row per rejected input row.",
        "columns": {
            "source": "landing source", "dt": "partition date", "file": "path below the landing zone",
            "row_number": "1-based data row in the file", "raw": "the row as read (JSON text of its strings)",
            "reason": "why it was rejected, in one line",
        },
    },
}




def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every existing marts table and its catalogued columns."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
        "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
    for table, spec in MARTS.items():
        if table not in existing:
            continue
        con.execute(f"COMMENT ON TABLE marts.{table} IS {literal(spec['grain'])}")
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = $t",
            {"t": table}).fetchall()}
        for col, text in spec["columns"].items():
            if col in cols:
                con.execute(f'COMMENT ON COLUMN marts.{table}."{col}" IS {literal(text)}')
