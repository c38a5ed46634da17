"""Identity on a night after a published one (issue 10): last night's splink scores are carried
and only pairs with a new account version are scored, when that gives exactly the tables a full
scoring gives; otherwise every pair is scored and the log says why."""

import datetime as dt
import logging

import pytest
from test_identity import account

from core.config import Config
from transforms.build import build_intermediate, run_query
from transforms.changes import Changes, full

LOG = "transforms.intermediate.identity"
# name, birth date, address: the two of each pair are one person to splink (a typo, an abbreviation)
PEOPLE = {
    "a": ("Zhang Weiming", "1990-03-14", "12 Jianguo Road, Chaoyang, Beijing 100022"),
    "a'": ("zhang weimin", "1990-03-14", "12 jianguo road chaoyang beijing 100022"),
    "b": ("Li Na", "1988-02-29", "3 Hubin Road, Hangzhou 310000"),
    "b'": ("Li Na", "1988-02-29", "3 Hubin Rd, Hangzhou 310000"),
    "c": ("Wang Fang", "1979-07-01", "88 Renmin Road, Nanshan, Shenzhen 518000"),
    "c'": ("Wang  Fang", "1979-07-01", "88 Renmin Rd, Nanshan, Shenzhen 518000"),
    "d": ("Chen Jing", "1995-12-30", "5 Zhongshan Road, Gulou, Nanjing 210000"),
    "d'": ("chen jing", "1995-12-30", "5 Zhongshan Rd Gulou Nanjing 210000"),
    "x": ("Zhang Weiming", "1975-08-02", "7 Nanjing West Road, Jing'an, Shanghai 200040"),
    "e": ("Liu Yang", "1968-04-12", "21 Jiefang Road, Wuchang, Wuhan 430000"),
}
LATER = "2026-11-15T09:00:00+08:00"
# transforms.changes.since found that the published night `prev` may be carried
CARRY = Changes("prev", dt.date(2026, 11, 19), "")


def person(aid, who, **kw):
    name, birth, address = PEOPLE[who]
    return account(aid, real_name=name, birth_date=birth, address=address, **kw)


def identity_tables(db) -> dict[str, list[tuple]]:
    run_query(db.con, db.ctx, "marts.identity_clusters")
    return {t: db.query(f"SELECT * FROM {t} ORDER BY ALL") for t in (
        "intermediate.int_identity__scored_pairs", "intermediate.int_identity__links",
        "intermediate.int_identity__clusters", "marts.identity_clusters")}


def publish_as_prev(db) -> None:
    """Last night's identity tables, as the audit attaches the published warehouse (`prev`)."""
    db.con.execute("ATTACH ':memory:' AS prev")
    db.con.execute("CREATE SCHEMA prev.intermediate")
    for t in ("records", "scored_pairs"):
        db.con.execute(f"CREATE TABLE prev.intermediate.int_identity__{t}"
                       f" AS FROM intermediate.int_identity__{t}")


def tonight_both_ways(db, caplog, changes=CARRY) -> tuple[dict, dict, str]:
    """(tables built with `changes`, tables scored in full, the first build's log)."""
    with caplog.at_level(logging.INFO, logger=LOG):
        build_intermediate(db.con, db.ctx, changes)
    said = " ".join(r.getMessage() for r in caplog.records if r.name == LOG)
    carried = identity_tables(db)
    build_intermediate(db.con, db.ctx, None)
    return carried, identity_tables(db), said


@pytest.fixture
def last_night(db):
    """Night N-1: b and b2 are one person (a pair scored last night), a1, x1, a3, d1 alone."""
    db.add("accounts", person("a1", "a"), person("x1", "x"), person("b1", "b"), person("b2", "b'"),
           person("a3", "e"), person("d1", "d"))
    db.build()
    assert [r[:3] for r in db.query("SELECT * FROM intermediate.int_identity__links")] == [
        ("b1", "b2", "name_birth_address")]
    publish_as_prev(db)
    return db


def test_new_versions_are_scored_against_every_account_and_each_other(last_night, caplog):
    db = last_night
    db.add("accounts",
           person("a2", "a'"),                             # a new account, one person with old a1
           person("c1", "c"), person("c2", "c'"),          # two new accounts, one person
           person("a3", "d'", updated_at=LATER))           # old a3's new version: one person with d1
    carried, fresh, said = tonight_both_ways(db, caplog)
    assert carried == fresh
    # a1 and d1 share a block with a new version; x1, b1, b2 and a3's old version do not
    assert "1 scored pairs carried" in said and "compares 4 new of 10 account versions (with the 2 " in said
    assert [r[:3] for r in fresh["intermediate.int_identity__links"]] == [
        ("a1", "a2", "name_birth_address"), ("a3", "d1", "name_birth_address"),
        ("b1", "b2", "name_birth_address"), ("c1", "c2", "name_birth_address")]


@pytest.mark.parametrize("change", [
    # b2's version scored last night is corrected: no longer b1's person
    ("UPDATE staging.accounts SET address = '9 Other Street, Xiamen 361000',"
     " birth_date = DATE '1960-01-01' WHERE account_id = 'b2'"),
    # or gone (a re-run of an earlier date no longer sees a later version)
    "DELETE FROM staging.accounts WHERE account_id = 'b2'"], ids=["corrected", "gone"])
def test_a_changed_or_gone_record_scores_every_pair_again(last_night, caplog, change):
    db = last_night
    db.con.execute(change)
    db.add("accounts", person("c1", "b'"))           # a new account, one person with b1
    carried, fresh, said = tonight_both_ways(db, caplog)
    assert carried == fresh
    assert "every pair" in said and "1 account version(s) scored last night changed or are no longer there" in said
    assert [r[:3] for r in fresh["intermediate.int_identity__links"]] == [("b1", "c1", "name_birth_address")]


def test_a_night_that_carries_nothing_scores_every_pair_again(last_night, caplog):
    """Under another threshold (or model, or code) transforms.changes carries nothing."""
    db = last_night
    # b1 and b2 match at 0.99999988: below this threshold, so no longer linked
    db.ctx = db.ctx.__class__(db.ctx.business_date, Config(identity={"match_probability": 0.9999999}))
    carried, fresh, said = tonight_both_ways(db, caplog, full("the settings or the audit's code changed"))
    assert carried == fresh
    assert fresh["intermediate.int_identity__links"] == []
    assert "every pair of 6 account versions: the settings or the audit's code changed" in said
