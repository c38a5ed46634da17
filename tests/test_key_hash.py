"""Keys are grouped and probed by their hash before they are compared (core.sql.key_hash): the
duplicate judge of a night's new files and the key check of a staged source. A hash collision
must never make a key repeated, nor hide one. These tests force collisions by making the hash
coarse (two values, or one) and expect exactly what distinct hashes give."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import AuditDB

import core.sql
from core.errors import ValidationFailed
from expectations import validate_sources
from expectations.base import FAIL, key_unique
from transforms.sources import SOURCES
from transforms.staging.stg_sources import EXCLUDED_DDL, find_excluded

D18, D19, D20 = dt.date(2026, 11, 18), dt.date(2026, 11, 19), dt.date(2026, 11, 20)
COARSE = ["hash({})", "hash({}) % 2", "42"]  # real, two values, every key alike


def _topup(topup_id: str, amount: str) -> dict:
    return {"topup_id": topup_id, "account_id": "A1", "paid_at": "2026-11-18T10:00:00+08:00",
            "amount": amount, "method": "wechat_pay", "status": "succeeded"}


def _lake(tmp_path, files: dict[str, tuple[dt.date, list[dict]]]) -> dict[str, object]:
    """Each file's rows written as a lake parquet file (contract columns, _dt, _file, _row)."""
    db = AuditDB()
    out = {}
    for name, (day, rows) in files.items():
        db.con.execute("DELETE FROM staging.topups")
        db._row = 0
        db.add("topups", *rows)
        path = tmp_path / f"{name.replace('/', '_')}.parquet"
        db.con.execute(f"COPY (SELECT * REPLACE ($d::DATE AS _dt, $f AS _file) FROM staging.topups"
                       f" ORDER BY _row) TO '{path}' (FORMAT parquet)", {"d": day, "f": name})
        out[name] = path
    return out


def _judged(paths: list, old: dict | None) -> list[tuple]:
    con = AuditDB().con
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(EXCLUDED_DDL)
    find_excluded(con, SOURCES["topups"], paths, old)
    return con.execute("SELECT file, row_number, kind, reason FROM meta.excluded_rows"
                       " ORDER BY file, row_number").fetchall()


@pytest.mark.parametrize("coarse", COARSE)
def test_a_new_files_copies_are_judged_alike_whatever_the_keys_hash_to(tmp_path, monkeypatch, coarse):
    """Night 20's file repeats T2 of night 18 as it was, T3 of night 19 with another amount,
    and gives T7 twice: judged against the old files' keys, every verdict equals the judgement
    of all the files from scratch (which compares whole keys only), and T1, T4, T5, T6, whose
    hashes collide with the others under a coarse hash, are no one's copies."""
    lake = _lake(tmp_path, {
        "topups/dt=2026-11-18/a.csv": (D18, [_topup("T1", "10.00"), _topup("T2", "20.00")]),
        "topups/dt=2026-11-19/b.csv": (D19, [_topup("T3", "30.00"), _topup("T4", "40.00")]),
        "topups/dt=2026-11-20/c.csv": (D20, [_topup("T5", "50.00"), _topup("T2", "20.00"),
                                             _topup("T3", "31.00"), _topup("T7", "70.00"),
                                             _topup("T6", "60.00"), _topup("T7", "70.00")]),
    })
    old = {f: p for f, p in lake.items() if "dt=2026-11-20" not in f}
    new = [p for f, p in lake.items() if "dt=2026-11-20" in f]
    from_scratch = _judged(list(lake.values()), None)
    monkeypatch.setattr(core.sql, "KEY_HASH", coarse)

    got = _judged(new, old)

    first = "topups/dt=2026-11-19/b.csv row 1"
    assert got == from_scratch == [
        ("topups/dt=2026-11-20/c.csv", 2, "duplicate", None),
        ("topups/dt=2026-11-20/c.csv", 3, "conflict",
         f"conflicting copy of topup_id=T3 first loaded from {first}"),
        ("topups/dt=2026-11-20/c.csv", 6, "duplicate", None),
    ]


def _usage(request_id: str) -> dict:
    return {"request_id": request_id, "account_id": "a1", "api_key_id": "k1", "model": "glm-4",
            "started_at": "2026-11-20T10:00:00+08:00", "input_tokens": 100, "output_tokens": 20,
            "amount": "0.123456", "cash_amount": "0.123456", "trial_amount": "0",
            "discount_amount": "0"}


@pytest.mark.parametrize("coarse", COARSE)
@pytest.mark.parametrize(
    ("ids", "repeated"),
    [
        (["r1", "r2", "r3", "r4", "r5", "r1"], "request_id=r1 x2 in dt=2026-11-19, 2026-11-20"),
        (["r1", "r2", "r3", "r4", "r5", "r4"], "request_id=r4 x2 in dt=2026-11-20"),
        (["r1", "r2", "r3", "r4", "r5", "r6"], None),
    ],
    ids=["repeats-history", "repeats-tonight", "no-repeat"],
)
def test_the_key_check_names_exactly_the_repeated_keys_whatever_they_hash_to(
        db, tmp_path, monkeypatch, coarse, ids, repeated):
    """Rows 1-3 are history (dt=2026-11-19), rows 4-6 tonight's: a key is repeated only if it
    is, whichever keys share a hash."""
    from expectations.sources import usage

    monkeypatch.setattr(core.sql, "KEY_HASH", coarse)
    check = key_unique("staging.usage", ("request_id",), "_dt", FAIL)
    monkeypatch.setattr(usage, "SUITE", dataclasses.replace(usage.SUITE, sql_checks=(check,)))
    db.add("usage", *(_usage(i) for i in ids))
    db.con.execute("UPDATE staging.usage SET _dt = $d WHERE _row <= 3", {"d": D19})

    if repeated is None:
        validate_sources(db.con, [("usage", D20)], tmp_path)
        return
    with pytest.raises(ValidationFailed) as err:
        validate_sources(db.con, [("usage", D20)], tmp_path)
    assert str(err.value) == (
        f"usage: (request_id) unique across staging.usage failed: 1 offending rows, e.g. {repeated}"
    )
