-- The balance model's events (rules.md §1), as of "now": the engine's scratch table _bal_events.
-- Run by transforms/intermediate/balance.py, which sets getvariable('balance_since'): events
-- before it are already in the saved state (-infinity on a full replay), and fills
-- _bal_eord_base: per account, how many of its events lie before balance_since (empty on a
-- full replay).
--
-- _bal_events: every balance event and checkpoint probe at or after balance_since, in the order
-- of rules.md §1/§6. phase at one instant: 0 credits, 1 expiries/forfeits, 2 refunds (by
-- refund_id; the "just before" probe of a refund sorts right before it), 3 usage, 4 probes that
-- include the usage at their instant. typ: 0 credit, 1 expiry, 2 refund, 4 probe.
-- ekey = epoch_us * 8 + phase: a usage row at the same instant has key epoch_us * 8 + 3.
-- eord numbers the events of one account in this order, from 1: an event never renumbers
-- another account's, and events after a restart instant continue their account's numbers
-- (all of an account's earlier events sort before them).
CREATE OR REPLACE TEMP TABLE _bal_events AS
WITH ev AS (
    SELECT l.account_id, l.credited_at AS event_at, 0 AS phase, l.lot_id AS sub, 0 AS sub2, 0 AS typ,
           l.lot_idx AS lot, to_micro(l.amount) AS amt,
           NULL::VARCHAR AS checkpoint_kind, NULL::VARCHAR AS checkpoint_id, NULL::VARCHAR AS topup_id
    FROM intermediate.int_balance__lots l
    WHERE l.credited_at >= getvariable('balance_since')
    UNION ALL
    -- a grant's remainder is forfeited at its expiry; one expiring exactly at "now" has not
    -- expired yet; an expiry before the grant itself takes effect right after the credit
    SELECT l.account_id, greatest(l.expires_at, l.credited_at), 1, l.lot_id, 0, 1, l.lot_idx, 0,
           NULL, NULL, NULL
    FROM intermediate.int_balance__lots l
    WHERE l.kind <> 'cash' AND l.expires_at < getvariable('now')
      AND greatest(l.expires_at, l.credited_at) >= getvariable('balance_since')
    UNION ALL
    -- an approved or paid refund debits its top-up at effective_at; it belongs to the top-up's
    -- account (the refund's own account when the top-up is unknown or failed)
    SELECT coalesce(l.account_id, r.account_id), r.effective_at, 2, r.refund_id, 1, 2,
           coalesce(l.lot_idx, -1), to_micro(r.amount), NULL, r.refund_id, r.topup_id
    FROM int_refunds r
    LEFT JOIN intermediate.int_balance__lots l ON l.lot_source = 'topup' AND l.lot_id = r.topup_id
    WHERE r.takes_money AND r.effective_at >= getvariable('balance_since')
    UNION ALL
    -- probe "just before" a refund takes effect (any status; pending refunds have none)
    SELECT coalesce(l.account_id, r.account_id), r.effective_at, 2, r.refund_id, 0, 4,
           coalesce(l.lot_idx, -1), 0, 'refund_decided', r.refund_id, r.topup_id
    FROM int_refunds r
    LEFT JOIN intermediate.int_balance__lots l ON l.lot_source = 'topup' AND l.lot_id = r.topup_id
    WHERE r.effective_at < getvariable('now') AND r.effective_at >= getvariable('balance_since')
    UNION ALL
    SELECT coalesce(l.account_id, r.account_id), r.requested_at, 4, r.refund_id, 0, 4,
           coalesce(l.lot_idx, -1), 0, 'refund_requested', r.refund_id, r.topup_id
    FROM int_refunds r
    LEFT JOIN intermediate.int_balance__lots l ON l.lot_source = 'topup' AND l.lot_id = r.topup_id
    WHERE r.requested_at >= getvariable('balance_since')
    UNION ALL
    SELECT i.account_id, i.issued_at, 4, i.invoice_id, 0, 4, -1, 0, 'invoice_issued', i.invoice_id, NULL
    FROM int_invoices i
    WHERE i.issued_at >= getvariable('balance_since')
    UNION ALL
    SELECT a.account_id, a.updated_at, 4, a.account_id, 0, 4, -1, 0, 'account_version',
           a.account_id || '@' || strftime(a.updated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), NULL
    FROM int_accounts a
    WHERE a.updated_at >= getvariable('balance_since')
)
SELECT ev.*, epoch_us(ev.event_at) * 8 + ev.phase AS ekey,
       coalesce(b.n, 0) + row_number() OVER (PARTITION BY ev.account_id
                                             ORDER BY ev.event_at, ev.phase, ev.sub, ev.sub2, ev.lot) AS eord
FROM ev
LEFT JOIN _bal_eord_base b USING (account_id);
