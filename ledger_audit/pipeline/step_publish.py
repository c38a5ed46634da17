"""The publish step: os.replace the next warehouse onto the published one."""

from __future__ import annotations

from pathlib import Path

from ledger_audit.publish import publish as _publish


def publish(warehouse: str | Path) -> dict:
    """Move the audited warehouse into place (ledger_audit.publish.publish)."""
    return _publish(warehouse)
