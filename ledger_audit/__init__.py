"""ledger-audit: the nightly audit of a prepaid LLM API platform's money and accounts."""

__version__ = "0.1.0"
