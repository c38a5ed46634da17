-- account_story: Everything that happened to one account's money and standing, in time order.
--
-- One row per event: registration and each profile change, top-ups (any status) and their
-- chargebacks, trial and discount grants, refund requests and decisions, invoices, account
-- actions, manual adjustments, claims filed and paid, each day's usage (one row per day), and
-- the account's recomputed balance at the end of each business date on which it changed, and of
-- the run's date (marts.account_balances holds every day). amount is the event's own
-- amount in CNY, exact (adjustments keep their sign; a balance row shows unconsumed cash);
-- detail says the rest in words. at is UTC; business_date is the platform time zone's date.
--
-- Parameters:
--   account_id  VARCHAR  required  the account, e.g. P00031
WITH events AS (
    SELECT updated_at AS "at", 1 AS ord,
           CASE WHEN updated_at = registered_at THEN 'registered' ELSE 'profile changed' END AS event,
           account_id AS record_id, NULL::DECIMAL(18, 6) AS amount,
           concat_ws('; ', account_type,
                     CASE WHEN real_name_verified_at IS NOT NULL
                          THEN 'verified ' || strftime(real_name_verified_at, '%Y-%m-%d %H:%M') END,
                     'name ' || coalesce(enterprise_name, real_name),
                     'born ' || birth_date::VARCHAR, 'id doc ' || id_doc_hash,
                     'tax id ' || enterprise_tax_id, 'phone ' || phone_hash, 'email ' || email,
                     'device ' || device_id) AS detail
    FROM staging.accounts WHERE account_id = $account_id
    UNION ALL
    SELECT paid_at, 2, 'top-up ' || status, topup_id, amount,
           concat_ws('; ', method, 'payer ' || payer_ref_hash, 'payer id ' || payer_id_hash,
                     'promotions ' || promotion_ids)
    FROM staging.topups WHERE account_id = $account_id
    UNION ALL
    SELECT chargeback_at, 2, 'chargeback', topup_id, amount, 'payer reversed top-up ' || topup_id
    FROM staging.topups WHERE account_id = $account_id AND chargeback_at IS NOT NULL
    UNION ALL
    SELECT granted_at, 3, kind || ' grant', grant_id, amount,
           concat_ws('; ', 'expires ' || strftime(expires_at, '%Y-%m-%d %H:%M'),
                     'with top-up ' || topup_id, 'promotion ' || promotion_id)
    FROM staging.grants WHERE account_id = $account_id
    UNION ALL
    SELECT requested_at, 4, 'refund requested', refund_id, amount,
           concat_ws('; ', 'of top-up ' || topup_id, 'to ' || destination_ref_hash)
    FROM staging.refunds WHERE account_id = $account_id
    UNION ALL
    SELECT decided_at, 4, 'refund ' || status, refund_id, amount,
           concat_ws('; ', 'of top-up ' || topup_id,
                     CASE WHEN status IN ('approved', 'paid') THEN 'takes the cash out' END)
    FROM staging.refunds WHERE account_id = $account_id AND decided_at IS NOT NULL
    UNION ALL
    SELECT issued_at, 5, 'invoice ' || status, invoice_id, amount,
           concat_ws('; ', title_type || ' title', 'buyer ' || buyer_name, 'tax id ' || buyer_tax_id,
                     CASE WHEN proof_provided THEN 'proof provided' END)
    FROM staging.invoices WHERE account_id = $account_id
    UNION ALL
    SELECT "at", 6, 'account ' || action, action_id, NULL,
           concat_ws('; ', reason, 'disputed top-up ' || topup_id,
                     'evidence received ' || strftime(evidence_received_at, '%Y-%m-%d %H:%M'))
    FROM staging.account_actions WHERE account_id = $account_id
    UNION ALL
    SELECT "at", 7, 'adjustment ' || kind, adjustment_id, amount,
           concat_ws('; ', bucket, 'counterparty ' || counterparty_account_id,
                     'legal basis ' || legal_basis)
    FROM staging.adjustments WHERE account_id = $account_id
    UNION ALL
    SELECT filed_at, 8, 'claim filed', claim_id, claimed_amount,
           concat_ws('; ', model, cause, damage_type || ' damage')
    FROM staging.claims WHERE account_id = $account_id
    UNION ALL
    SELECT paid_at, 8, 'claim paid', claim_id, paid_amount, model
    FROM staging.claims WHERE account_id = $account_id AND paid_at IS NOT NULL
    UNION ALL
    SELECT max(started_at), 9, 'usage (day)', biz_date(started_at)::VARCHAR, sum(amount),
           concat_ws('; ', count(*) || ' call(s)', 'cash ' || sum(cash_amount),
                     'trial ' || sum(trial_amount), 'discount ' || sum(discount_amount),
                     'unpaid ' || sum(coalesce(unpaid_amount, 0)))
    FROM staging.usage WHERE account_id = $account_id
    GROUP BY biz_date(started_at)
    UNION ALL
    -- the end of business date D is the next midnight in the platform time zone; ord 0 puts it
    -- before any event at that instant (which belongs to D + 1)
    SELECT (business_date + 1)::TIMESTAMP AT TIME ZONE getvariable('tz'), 0, 'balance at end of day',
           business_date::VARCHAR, unconsumed_cash,
           concat_ws('; ', 'cash in ' || cash_credited, 'consumed ' || cash_consumed,
                     'refunded ' || cash_refunded, 'trial left ' || trial_balance,
                     'discount left ' || discount_balance, 'invoiced ' || invoiced,
                     'refundable ' || refundable_now, 'uncovered ' || uncovered)
    FROM marts.account_balances
    WHERE account_id = $account_id
      AND (business_date = getvariable('business_date')
           OR business_date IN (SELECT business_date FROM intermediate.int_balance__positions
                                WHERE account_id = $account_id))
)
SELECT "at",
       CASE WHEN ord = 0 THEN record_id::DATE ELSE biz_date("at") END AS business_date,
       event, record_id, amount::DECIMAL(18, 6) AS amount, detail
FROM events
ORDER BY "at", ord, record_id;
