"""The Great Expectations side of a run: one ephemeral GX context whose stores and Data Docs
site live in `docs_dir`, a pandas data source, one validation definition per table, and the
Data Docs build at the end. GX is imported only here and only when a run needs it."""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

from expectations.base import TableSuite

# GX's stores kept beside the site, so the index lists the kept runs' results and every suite
RESULTS_DIR = "_results"
SUITES_DIR = "_suites"
PAGES_DIR = "validations"  # where the site renders each result (same relative path, .html)
# validation results kept per table (about a month of nights); older ones and their pages are
# deleted, so the store and the index GX rebuilds each night stay bounded
RESULTS_KEPT = 31


@dataclass
class GxSite:
    context: object
    source: object  # the pandas data source every table's batches come through
    known_results: set  # validation results stored before this run (not re-rendered)


def open_site(docs_dir: pathlib.Path) -> GxSite:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    docs_dir.mkdir(parents=True, exist_ok=True)
    defaults = InMemoryStoreBackendDefaults()
    stores = dict(defaults.stores)
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir / RESULTS_DIR),
        },
    }
    stores[defaults.expectations_store_name] = {
        "class_name": "ExpectationsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir / SUITES_DIR),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            "ledger_audit": {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    source = context.data_sources.add_pandas("ledger_audit")
    return GxSite(context, source, set(context.validation_results_store.list_keys()))


def validation_definition(site: GxSite, suite: TableSuite, expectations: list):
    """The table's suite and a whole-dataframe batch definition, as one validation definition."""
    import great_expectations as gx

    ctx = site.context
    gx_suite = ctx.suites.add_or_update(
        gx.ExpectationSuite(name=suite.table, expectations=expectations)
    )
    batch_def = site.source.add_dataframe_asset(
        suite.table
    ).add_batch_definition_whole_dataframe("partitions")
    return ctx.validation_definitions.add(
        gx.ValidationDefinition(name=suite.table, data=batch_def, suite=gx_suite)
    )


def prune_results(docs_dir: pathlib.Path, keep: int | None = None) -> int:
    """Delete all but the newest `keep` validation results of each table (and their rendered
    pages); returns how many were deleted. A result is stored as
    `_results/<schema>/<table>/<run name>/<run time>/<batch>.json`; run times sort as text."""
    import shutil

    keep = RESULTS_KEPT if keep is None else keep
    root = docs_dir / RESULTS_DIR
    runs: dict[pathlib.Path, list[pathlib.Path]] = {}
    for f in root.glob("*/*/*/*/*.json"):
        runs.setdefault(f.parent.parent.parent, []).append(f.parent)
    deleted = 0
    for run_dirs in runs.values():
        for run_dir in sorted(set(run_dirs), key=lambda d: d.name, reverse=True)[keep:]:
            rel = run_dir.relative_to(root)
            for d in (run_dir, docs_dir / PAGES_DIR / rel):
                shutil.rmtree(d, ignore_errors=True)
                if d.parent.is_dir() and not any(d.parent.iterdir()):
                    d.parent.rmdir()  # the run name's folder, once its last run is gone
            deleted += 1
    return deleted


def build_data_docs(site: GxSite, suite_names: list[str], index: bool = True) -> None:
    """Render only this run's pages; `index`: rebuild the index, which lists every stored
    result (reading each: about 1 s once a month of results is kept)."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    new = set(site.context.validation_results_store.list_keys()) - site.known_results
    suites = [ExpectationSuiteIdentifier(name=n) for n in suite_names]
    site.context.build_data_docs(resource_identifiers=[*new, *suites], build_index=index)


def build_index(docs_dir: pathlib.Path, suite_names: list[str]) -> None:
    """Rebuild the Data Docs index (and the named suites' pages) without validating anything:
    for a night that stopped after a validation that left the index to a later step."""
    site = open_site(docs_dir)
    build_data_docs(site, suite_names, index=True)
