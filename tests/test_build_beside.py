"""The identity clusters are built beside the balance engine, on a second connection of the same
database (transforms/build.py, `beside`): the night must still fail on either one's error, say
its lines in the same order every time, and publish the tables a one-after-the-other build gives
(the last is tests/test_nights.py and tests/test_balance_restart.py)."""

from __future__ import annotations

import logging
import threading

import pytest

from transforms.intermediate import balance, identity

ACCOUNTS = [
    {"account_id": "A1", "updated_at": "2026-11-01T09:00:00+08:00",
     "registered_at": "2026-11-01T09:00:00+08:00", "account_type": "personal",
     "phone_hash": "p-1"},
    {"account_id": "A2", "updated_at": "2026-11-02T09:00:00+08:00",
     "registered_at": "2026-11-02T09:00:00+08:00", "account_type": "personal",
     "phone_hash": "p-1"},
]


def test_the_clusters_built_beside_are_in_the_build(db):
    db.add("accounts", *ACCOUNTS).build()
    assert db.query("SELECT account_id, cluster_id FROM intermediate.int_identity__clusters"
                    " ORDER BY 1") == [("A1", "A1"), ("A2", "A1")]


def test_an_error_of_the_identity_build_fails_the_build(db, monkeypatch):
    def broken(con, ctx, changes=None):
        raise RuntimeError("identity: splink's model file is unreadable")

    monkeypatch.setattr(identity, "build", broken)
    db.add("accounts", *ACCOUNTS)
    with pytest.raises(RuntimeError, match="model file is unreadable"):
        db.build()


def test_when_both_fail_the_balance_engines_error_is_the_one_raised(db, monkeypatch):
    def broken_identity(con, ctx, changes=None):
        raise RuntimeError("identity broke")

    def broken_balance(con, ctx, restart=None):
        raise ValueError("balance broke")

    monkeypatch.setattr(identity, "build", broken_identity)
    monkeypatch.setattr(balance, "build", broken_balance)
    db.add("accounts", *ACCOUNTS)
    with pytest.raises(ValueError, match="balance broke"):
        db.build()


def test_identity_speaks_after_the_balance_engine_even_when_it_is_done_first(db, monkeypatch,
                                                                           caplog):
    # identity logs at once; the balance engine logs only once identity has spoken: without
    # the held lines, "identity" would come first
    spoke = threading.Event()
    real_identity, real_balance = identity.build, balance.build

    def quick_identity(con, ctx, changes=None):
        identity.log.info("identity: first words")
        spoke.set()
        real_identity(con, ctx, changes)

    def slow_balance(con, ctx, restart=None):
        assert spoke.wait(30)
        balance.log.info("balance: after identity spoke")
        real_balance(con, ctx, restart=restart)

    monkeypatch.setattr(identity, "build", quick_identity)
    monkeypatch.setattr(balance, "build", slow_balance)
    caplog.set_level(logging.INFO, logger="transforms")
    db.add("accounts", *ACCOUNTS).build()
    said = [r.getMessage() for r in caplog.records if r.name.startswith("transforms")]
    assert said.index("balance: after identity spoke") < said.index("identity: first words")
