-- rule_id: INVOICE_EXCEEDS_CONSUMED_CASH
-- severity: violation
-- clause: Zhipu Service Agreement §7.1, §2.3, §2.4 — invoices are issued according to the actual consumption amount after the top-up amount is consumed; trial funds and discount amounts cannot be invoiced
-- audience: finance
-- settings: balance.burn_down, balance.trial_days
-- Flags each issued invoice after which the account's Σ issued invoices (in issued_at, invoice_id
-- order, this one included) exceed the cash the account had consumed up to and including issued_at
-- (recomputed funding, rules.md §1). amount_at_stake = the excess, at most the invoice's amount.
-- Reading: The invoice sees all usage up to and including its issued_at: a call at that very
-- instant counts as consumed.
-- Exists because invoicing unconsumed, trial or discount money states revenue not yet earned.
SELECT i.account_id,
       'invoice' AS subject_type,
       i.invoice_id AS subject_id,
       i.issued_at AS occurred_at,
       least(i.amount, c.account_invoiced - c.account_cash_consumed) AS amount_at_stake,
       json_object('invoice_id', i.invoice_id, 'issued_at', i.issued_at, 'amount', i.amount,
                   'invoiced_to_date', c.account_invoiced,
                   'cash_consumed_to_date', c.account_cash_consumed,
                   'cash_topped_up_to_date', c.account_topups) AS evidence
FROM int_invoices i
JOIN intermediate.int_balance__checkpoints c
  ON c.checkpoint_kind = 'invoice_issued' AND c.checkpoint_id = i.invoice_id
WHERE i.counts AND c.account_invoiced > c.account_cash_consumed
