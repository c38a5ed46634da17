"""The core every layer stands on: settings (`config`), the audit context and connections
(`db`), errors a person reads (`errors`), SQL quoting and binding (`sql`) and the exact-money
macros (`macros.sql`). It imports nothing from `transforms`, `expectations`, `reports` or the
app (`ledger_audit`)."""
