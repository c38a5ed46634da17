"""Identity links and clusters (rules.md §3, §6 "Clusters"); marts.identity_clusters."""

import json

from transforms.build import run_query


def account(aid, updated_at="2026-11-01T09:00:00+08:00", **cols):
    return {"account_id": aid, "updated_at": updated_at, "registered_at": "2026-11-01T09:00:00+08:00",
            "account_type": "personal", **cols}


def links(db):
    db.build()
    return db.query("SELECT account_id_l, account_id_r, signal, value_class "
                    "FROM intermediate.int_identity__links ORDER BY ALL")


def clusters(db):
    return db.query("SELECT account_id, cluster_id, cluster_size "
                    "FROM intermediate.int_identity__clusters ORDER BY account_id")


def test_gmail_dots_and_plus_tags_link_but_not_against_another_domain(db):
    db.add("accounts",
           account("g1", email="John.Smith+ads@gmail.com"),
           account("g2", email="johnsmith@googlemail.com"),     # gmail: dots and +tag ignored
           account("x1", email="johnsmith@example.com"),        # another domain: no link to g*
           account("x2", email="john.smith@example.com"),       # dots count outside gmail
           account("x3", email="John.Smith+shop@Example.com"))  # +tag cut on every domain
    assert links(db) == [("g1", "g2", "email", "email:gmail-normalized"),
                         ("x2", "x3", "email", "email:tag-removed")]


def test_every_exact_signal_links_from_any_version_and_payer_of_any_status(db):
    db.add("accounts",
           account("a1", id_doc_hash="doc1"), account("a2", id_doc_hash="doc1"),
           account("b1", enterprise_tax_id="91A", account_type="enterprise"),
           account("b2", enterprise_tax_id="91A", account_type="enterprise"),
           account("c1", phone_hash="ph1"),
           # c2 had ph1 in an old version only
           account("c2", phone_hash="ph1"), account("c2", updated_at="2026-11-05T09:00:00+08:00", phone_hash="ph2"),
           account("d1", device_id="dev1"), account("d2", device_id="dev1"),
           account("e1", email="same@example.com"), account("e2", email="SAME@example.com"),
           account("n1", phone_hash=""), account("n2", phone_hash=""))   # blank never links
    db.add("topups", *[{"topup_id": t, "account_id": a, "paid_at": "2026-11-02T10:00:00+08:00",
                        "amount": "1.00", "method": "card", "payer_ref_hash": "card1", "status": s}
                       for t, a, s in [("t1", "p1", "succeeded"), ("t2", "p2", "failed")]])
    assert links(db) == [
        ("a1", "a2", "id_doc_hash", "id_doc_hash:exact"),
        ("b1", "b2", "enterprise_tax_id", "enterprise_tax_id:exact"),
        ("c1", "c2", "phone_hash", "phone_hash:exact"),
        ("d1", "d2", "device_id", "device_id:exact"),
        ("e1", "e2", "email", "email:exact"),
        ("p1", "p2", "payer_ref_hash", "payer_ref_hash:exact"),
    ]
    # the top-up-only accounts p1, p2 are clustered too; n1, n2 stay alone
    assert ("n1", "n1", 1) in clusters(db) and ("p2", "p1", 2) in clusters(db)


def test_a_typo_in_the_name_with_same_birth_date_and_address_is_one_person(db):
    db.add("accounts",
           account("a1", real_name="Zhang Weiming", birth_date="1990-03-14",
                   address="12 Jianguo Road, Chaoyang, Beijing 100022"),
           account("a2", real_name="zhang weimin", birth_date="1990-03-14",
                   address="12 jianguo road chaoyang beijing 100022"),
           # same name, other birth date and address: a namesake, not the same person
           account("a3", real_name="Zhang Weiming", birth_date="1975-08-02",
                   address="7 Nanjing West Road, Jing'an, Shanghai 200040"))
    got = links(db)
    assert [(l, r, s) for l, r, s, _ in got] == [("a1", "a2", "name_birth_address")]
    weight, prob = db.query("SELECT match_weight, match_probability FROM intermediate.int_identity__links")[0]
    assert weight > 0 and prob >= db.ctx.config.identity.match_probability
    assert got[0][3].startswith("splink:name=+")


def test_clusters_are_connected_components_named_by_their_smallest_account(db):
    db.add("accounts",
           account("k3", phone_hash="ph1"), account("k2", phone_hash="ph1", device_id="dv"),
           account("k9", device_id="dv"), account("s1"))
    links(db)
    assert clusters(db) == [("k2", "k2", 3), ("k3", "k2", 3), ("k9", "k2", 3), ("s1", "s1", 1)]


def test_a_value_shared_by_many_accounts_links_them_as_a_star(db):
    db.add("accounts", *[account(f"a{i:02d}", device_id="shared") for i in range(60)])
    got = links(db)
    assert len(got) == 59 and {l for l, *_ in got} == {"a00"}
    assert {c for _, c, _ in clusters(db)} == {"a00"} and clusters(db)[0][2] == 60


def test_mart_lists_every_account_with_the_evidence_of_its_links(db):
    db.add("accounts", account("a1", phone_hash="ph1"), account("a2", phone_hash="ph1"), account("z1"))
    db.build()
    run_query(db.con, db.ctx, "marts.identity_clusters")
    rows = {a: (c, n, json.loads(j)) for a, c, n, j in db.query(
        "SELECT account_id, cluster_id, cluster_size, links FROM marts.identity_clusters")}
    assert rows == {
        "a1": ("a1", 2, [{"signal": "phone_hash", "value_class": "phone_hash:exact", "other_account": "a2",
                          "weight": None, "probability": 1.0}]),
        "a2": ("a1", 2, [{"signal": "phone_hash", "value_class": "phone_hash:exact", "other_account": "a1",
                          "weight": None, "probability": 1.0}]),
        "z1": ("z1", 1, []),
    }


def test_a_rerun_gives_the_same_links_and_clusters(db):
    db.add("accounts",
           account("a1", real_name="Li Na", birth_date="1988-02-29", address="3 Hubin Road, Hangzhou 310000",
                   phone_hash="ph1"),
           account("a2", real_name="Li Na", birth_date="1988-02-29", address="3 Hubin Rd, Hangzhou 310000"),
           account("a3", phone_hash="ph1", device_id="d1"), account("a4", device_id="d1"))
    first = (links(db), clusters(db))
    assert first[1] == [("a1", "a1", 4), ("a2", "a1", 4), ("a3", "a1", 4), ("a4", "a1", 4)]
    assert (links(db), clusters(db)) == first


def test_accounts_sharing_only_a_city_and_district_are_not_all_compared():
    # Regression (10M-row benchmark): Chinese addresses share their first 6 characters (city and
    # district) across thousands of accounts; blocking on that alone gave 56 M candidate pairs
    # at 200,000 accounts and took 2 minutes. 300 strangers in one district: each block must
    # pair only people who share a name initial or a birth year, not everyone.
    import duckdb

    from transforms.intermediate.identity import splink_settings

    con = duckdb.connect()
    con.execute("""CREATE TABLE r AS SELECT i AS k,
                       chr((19968 + i)::INTEGER) || '某' AS name_sorted, chr((19968 + i)::INTEGER) AS name_prefix,
                       make_date(1900 + i % 120, 1 + i % 12, 1 + i % 28) AS birth_date,
                       '上海市西湖区' || i || '号' AS address
                   FROM range(300) t(i)""")
    for rule in splink_settings()["blocking_rules_to_generate_predictions"]:
        pairs = con.execute(f"SELECT count(*) FROM r l JOIN r ON l.k < r.k AND ({rule})").fetchone()[0]
        assert pairs < 1000, f"{pairs} candidate pairs from {rule}"
