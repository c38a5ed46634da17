"""One folder per published table (transforms/<layer>/<table>/): its schema.yaml says what the
table is, and the published warehouse carries it: every table and column of a night's warehouse
has a folder, the schema's columns and types, and the schema's descriptions as comments.
Regression tests of issue 12 (the warehouse had 0 of 85 marts column comments)."""

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from core.config import Config
from ledger_audit.generate import generate
from ledger_audit.pipeline import run_night
from transforms.schema import REFERENCE, all_tables, reference_markdown

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2026, 11, 20)
# the eight published tables of data-contract.md "Published outputs", and the violations' history
# the legal pack reads (issue 8)
MARTS = {"violations", "account_balances", "topup_positions", "funding_breaks",
         "identity_clusters", "liability_caps", "load_audit", "quarantine", "violation_history"}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The catalog of a published warehouse after a small generated night: per schema.table,
    (kind, comment, [(column, type, comment)])."""
    root = tmp_path_factory.mktemp("tables")
    generate(root / "landing", accounts=40, days=10, seed=5, end=END)
    run_night(root / "landing", root / "warehouse.duckdb", END, Config())
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, 'table', comment FROM duckdb_tables()"
            " WHERE schema_name IN ('marts', 'intermediate')"
            " UNION ALL SELECT schema_name || '.' || view_name, 'view', comment FROM duckdb_views()"
            " WHERE schema_name IN ('marts', 'intermediate') AND NOT internal").fetchall()
        columns = {}
        for name, col, typ, comment in con.execute(
                "SELECT schema_name || '.' || table_name, column_name, data_type, comment"
                " FROM duckdb_columns() WHERE schema_name IN ('marts', 'intermediate')"
                " ORDER BY schema_name, table_name, column_index").fetchall():
            columns.setdefault(name, []).append((col, typ, comment))
    finally:
        con.close()
    return {name: (kind, comment, columns[name]) for name, kind, comment in rows}


def test_the_night_publishes_the_nine_marts(published):
    assert {n.split(".")[1] for n in published if n.startswith("marts.")} == MARTS


def test_every_marts_table_and_column_has_its_schema_description_as_comment(published):
    marts = {n: v for n, v in published.items() if n.startswith("marts.")}
    assert len(marts) == len(MARTS)
    for name, (_, comment, columns) in marts.items():
        schema = all_tables()[name]
        assert comment and comment == schema.grain, name
        for col, _, col_comment in columns:
            assert col_comment, f"{name}.{col} has no comment"
            assert col_comment == schema.column(col).description, f"{name}.{col}"


def test_every_published_table_has_a_folder_whose_schema_matches_it(published):
    for name, (_, comment, columns) in published.items():
        assert name in all_tables(), f"{name} has no transforms/<layer>/<table>/schema.yaml"
        schema = all_tables()[name]
        assert [(c, t) for c, t, _ in columns] == [(c.name, c.type) for c in schema.columns], name
        assert comment == schema.grain, name
        builds = [p.name for p in schema.folder.iterdir() if p.name in ("query.sql", "build.py")]
        assert builds, f"{schema.folder} holds neither query.sql nor build.py"
    # and every schema.yaml describes a table the night publishes
    assert set(all_tables()) == set(published)


def test_every_mart_folder_has_a_suite_reading_its_columns_from_the_schema():
    from expectations import marts

    for name, schema in all_tables().items():
        if schema.schema == "marts":
            suite = marts.suite(schema.name)
            assert suite.columns == schema.column_names, name
            assert suite.money_columns == schema.money_columns, name


def test_every_schema_gives_the_grain_in_one_sentence_and_money_its_unit_and_rounding():
    for name, schema in all_tables().items():
        assert schema.grain.startswith("One row per"), name
        for c in schema.columns:
            if c.type.startswith("DECIMAL"):
                assert c.unit == "CNY" and c.rounding, f"{name}.{c.name}"


def test_a_money_column_without_its_rounding_is_refused(tmp_path):
    from transforms.schema import load

    (tmp_path / "schema.yaml").write_text(
        "table: marts.t\ngrain: One row per x.\ncolumns:\n"
        "- name: amount\n  type: DECIMAL(18,2)\n  unit: CNY\n  description: paid\n",
        encoding="utf-8")
    with pytest.raises(ValueError, match="money column 'amount' needs a unit and a rounding"):
        load(tmp_path)


def test_docs_tables_md_is_generated_from_the_schemas_and_fresh():
    assert REFERENCE == ROOT / "docs" / "tables.md"
    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/tables.md is stale: run `python -m transforms.schema`")
    for name in all_tables():
        assert f"## `{name}`" in reference_markdown()


@pytest.mark.parametrize("readme", ["transforms/README.md", "expectations/README.md"])
def test_the_layer_readmes_name_only_files_that_exist(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    base = (ROOT / readme).parent
    named = {m for m in re.findall(r"`([\w./<>-]+\.(?:py|sql|yaml|md|json))`", text) if "<" not in m}
    missing = sorted(m for m in named
                     if not (ROOT / m).exists() and not (base / m).exists()
                     and not list(ROOT.glob(f"*/**/{m}")))
    assert named and not missing, f"{readme} names files that do not exist: {missing}"
