"""Benchmark: speed and peak memory of the nightly job, printed as figures.

    ./dev python scripts/bench.py --accounts 200000 --usage-rows 10000000 --days 30

Each phase runs in its own process, which reports its wall time and peak resident memory
(ru_maxrss), so one phase's memory does not hide another's. Not a test: it asserts nothing,
it measures. The README quotes its output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

FINANCE_RULES = (
    "RATING_MISMATCH", "FUNDING_MISMATCH", "TRIAL_USED_AFTER_EXPIRY", "USAGE_WITHOUT_BALANCE",
    "INVOICE_EXCEEDS_CONSUMED_CASH", "INVOICE_ENTITY_MISMATCH", "INVOICE_TITLE_WITHOUT_PROOF",
    "REFUND_DUPLICATE", "REFUND_EXCEEDS_REFUNDABLE", "REFUND_OF_INVOICED_AMOUNT",
    "REFUND_TO_OTHER_INSTRUMENT", "BALANCE_TRANSFER",
)

# Each child: run one phase, then print one JSON line with its figures.
CHILD = r'''
import json, resource, sys, time, datetime as dt
from pathlib import Path
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
out = {}
phase = args["phase"]
landing, warehouse = Path(args["landing"]), Path(args["warehouse"])
date = dt.date.fromisoformat(args["date"])
if phase == "generate":
    from ledger_audit.generate import generate
    generate(landing, accounts=args["accounts"], days=args["days"], seed=args["seed"],
             end=date, usage_rows=args["usage_rows"])
elif phase in ("load", "validate", "audit"):
    from ledger_audit import pipeline
    from core.config import Config
    getattr(pipeline, phase)(landing, warehouse, date, Config())
elif phase == "publish":
    from ledger_audit import pipeline
    pipeline.publish(warehouse)
elif phase == "model":
    # The audit's transforms alone, on the published staging views: balance model and
    # finance rules, then identity clusters and the other rules, timed step by step.
    import duckdb, importlib
    from core.config import Config
    from core.db import AuditContext, prepare
    from transforms import build
    from transforms.rules import discover, run_rule
    ctx = AuditContext(date, Config())
    con = prepare(duckdb.connect(), ctx)
    con.execute("ATTACH $p AS w (READ_ONLY)", {"p": str(warehouse)})
    con.execute("CREATE SCHEMA staging")
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'w' AND schema_name = 'staging'").fetchall():
        con.execute(f"CREATE VIEW staging.{name} AS SELECT * FROM w.staging.{name}")
    con.execute("CREATE SCHEMA intermediate"); con.execute("CREATE SCHEMA marts")
    def timed(key, fn):
        s = time.perf_counter(); fn(); out[key] = out.get(key, 0.0) + time.perf_counter() - s
    timed("asof", lambda: build.build_asof(con, ctx))
    finance = set(args["finance_rules"])
    from transforms.intermediate import balance, identity
    def balance_tables():
        balance.build(con, ctx)
        with balance.unordered_inserts(con):
            for name in ("intermediate.int_balance__positions", "intermediate.int_balance__calendar",
                         "marts.account_balances", "marts.topup_positions", "marts.funding_breaks"):
                build.run_query(con, ctx, name)
    def identity_and_caps():
        identity.build(con, ctx)
        build.run_query(con, ctx, "marts.identity_clusters")
        build.run_query(con, ctx, "marts.liability_caps")
    timed("balance_model", balance_tables)
    timed("identity_and_legal", identity_and_caps)
    for rule in discover():
        group = "finance_rules" if rule.rule_id in finance else "identity_and_legal"
        timed(group, lambda: run_rule(con, rule, ctx))
out["seconds"] = time.perf_counter() - t0
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
'''


PHASES = ("generate", "load", "validate", "audit", "publish", "model")


def run_phase(phase: str, **kw) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"phase": phase, **kw})],
                         check=False, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"bench: phase {phase} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200_000)
    ap.add_argument("--usage-rows", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="2026-11-20")
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--only", nargs="+", choices=PHASES, help="run only these phases, on the data in --out")
    a = ap.parse_args()

    landing, warehouse = a.out / "landing", a.out / "warehouse.duckdb"
    if a.out.exists() and not a.only:
        shutil.rmtree(a.out)
    common = {"landing": str(landing), "warehouse": str(warehouse), "date": a.date,
              "accounts": a.accounts, "days": a.days, "seed": a.seed, "usage_rows": a.usage_rows,
              "finance_rules": FINANCE_RULES}
    figures: list[tuple[str, dict]] = []
    t0 = time.perf_counter()
    for phase in a.only or PHASES:
        r = run_phase(phase, **common)
        figures.append((phase, r))
        print(f"{phase:9} {r['seconds']:8.1f} s   peak {r['peak_rss_mib']:7.0f} MiB", flush=True)
        if phase == "model":
            for k in ("asof", "balance_model", "finance_rules", "identity_and_legal"):
                if k in r:
                    print(f"  {k:20} {r[k]:7.1f} s")
    if a.only:
        return
    usage = a.usage_rows
    load_s = next(r["seconds"] for p, r in figures if p == "load")
    night = sum(r["seconds"] for p, r in figures if p in ("load", "validate", "audit", "publish"))
    print(f"\nusage rows {usage:,}; accounts {a.accounts:,}; days {a.days}")
    print(f"load throughput {usage / load_s:,.0f} usage rows/s (all sources)")
    print(f"nightly run (load+validate+audit+publish) {night:.1f} s; whole bench {time.perf_counter() - t0:.1f} s")
    size = sum(f.stat().st_size for f in a.out.rglob("*") if f.is_file())
    print(f"disk: landing+lake+warehouse {size / 2**30:.2f} GiB")
    if not a.keep:
        shutil.rmtree(a.out)


if __name__ == "__main__":
    main()
