"""Benchmark: each night's stages beside the floor, DuckDB alone reading that night's usage files.

    ./dev python scripts/bench.py --accounts 20000 --usage-rows 1000000 --days 30 --first-night --next-night

Run by hand, never by CI: it asserts nothing, it measures. One landing zone is generated
(usage as gzip JSONL, as logs arrive; `--last-day-usage-rows` puts extra volume on the last
day), then the chosen scenarios run, each on a fresh warehouse:

  --first-night   (a) the night of the last day D over all D days, from scratch;
  --next-night    (b) night D on top of night D-1 already run (the history);
  --nights K      (c) the last K nights one after the other; the first reads every day up to it
                  (each night's own steps only: no breakdown, no reports).

Every stage runs in its own process, which reports its wall time and peak resident memory
(ru_maxrss), so one stage's memory does not hide another's: load, validate, audit, publish and
reports (the night's own steps, as `ledger-audit run` calls them), and, as a breakdown of the
audit, the balance model, the rules and the identity clusters re-built on a copy of the audited
warehouse. The floor of a night is a fresh process doing only

    CREATE TABLE t AS SELECT * FROM read_json([<that night's usage files>],
                                              format='newline_delimited', columns={...})

(every contract column as VARCHAR, the same DuckDB memory limit as the audit), and each night is
printed as its ratio to that floor. `--json` prints the same figures for machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Each child runs one stage, then prints one JSON line with its figures.
CHILD = r'''
import json, resource, shutil, sys, time, datetime as dt
from pathlib import Path
a = json.loads(sys.argv[1])
stage = a["stage"]
out = {}
t0 = time.perf_counter()
if stage == "generate":
    from ledger_audit.generate import generate
    generate(Path(a["landing"]), accounts=a["accounts"], days=a["days"], seed=a["seed"],
             end=dt.date.fromisoformat(a["date"]), usage_rows=a["usage_rows"],
             last_day_usage_rows=a["last_day_usage_rows"], usage_format=".jsonl.gz",
             even_days=a["even_days"])
elif stage == "floor":
    import duckdb
    from core.config import Config
    from transforms.sources import SOURCES
    con = duckdb.connect(":memory:")
    con.execute("SET memory_limit = $m", {"m": Config().duckdb.memory_limit})
    cols = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in SOURCES["usage"].columns) + "}"
    t0 = time.perf_counter()  # the floor is the read alone, not the imports
    con.execute("CREATE TABLE t AS SELECT * FROM read_json($files, format='newline_delimited',"
                f" columns={cols})", {"files": a["files"]})
    out["rows"] = con.execute("SELECT count(*) FROM t").fetchone()[0]
elif stage in ("load", "validate", "audit"):
    from core.config import Config
    from ledger_audit import pipeline
    getattr(pipeline, stage)(a["landing"], a["warehouse"], dt.date.fromisoformat(a["date"]), Config())
elif stage == "publish":
    from ledger_audit import pipeline
    pipeline.publish(a["warehouse"])
elif stage == "reports":
    import subprocess
    r = subprocess.run([sys.executable, "-m", "ledger_audit.cli", "report", "--warehouse",
                        a["warehouse"], "--date", a["date"],
                        "--out", str(Path(a["warehouse"]).parent / "packs")],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("ledger-audit report failed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
else:
    # a part of the audit, re-built on a copy of the audited warehouse (the others are there)
    from core.config import Config
    from core.db import AuditContext, connect
    from transforms import build
    from transforms.intermediate import balance, identity
    from transforms.marts.violations.build import build_violations
    ctx = AuditContext(dt.date.fromisoformat(a["date"]), Config())
    con = connect(a["copy"], ctx)
    build.build_asof(con, ctx)
    if stage == "rules":  # the rules read TEMP tables the models leave: build those first
        balance.build(con, ctx); identity.build(con, ctx)
    changes = None  # what identity may carry from the published warehouse, as in the audit
    if stage == "clusters" and Path(a["warehouse"]).exists():
        from ledger_audit.publish import WarehousePaths
        from transforms.changes import since
        con.execute("ATTACH $p AS prev (READ_ONLY)", {"p": a["warehouse"]})
        changes = since(con, ctx, WarehousePaths(Path(a["warehouse"])).lake, "prev")
    try:  # Linux: reset the peak, so the figure is the part's own (plus what stays resident)
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    t0 = time.perf_counter()
    if stage == "balance model":
        balance.build(con, ctx)
        with balance.unordered_inserts(con):
            for name in ("intermediate.int_balance__positions", "intermediate.int_balance__calendar",
                         "marts.account_balances", "marts.topup_positions", "marts.funding_breaks"):
                build.run_query(con, ctx, name)
    elif stage == "rules":
        build.run_query(con, ctx, "marts.liability_caps"); build_violations(con, ctx, None)
    elif stage == "clusters":
        identity.build(con, ctx, changes); build.run_query(con, ctx, "marts.identity_clusters")
    con.close()
out["seconds"] = time.perf_counter() - t0
try:
    hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
    out["peak_rss_mib"] = int(hwm[0].split()[1]) / 1024
except (OSError, IndexError):
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if stage == "reports":  # the packs are built by a `ledger-audit report` process of its own
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(out))
'''

NIGHT = ("load", "validate", "audit", "publish")  # the night's own steps, summed into its time
BREAKDOWN = ("balance model", "rules", "clusters")


def child(stage: str, **kw) -> dict:
    """One stage in a fresh process; its figures, or {"error": ...} if it failed."""
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"stage": stage, **kw})],
                         cwd=REPO, check=False, capture_output=True, text=True)
    if res.returncode != 0:
        lines = res.stderr.strip().splitlines() or [f"exit code {res.returncode}"]
        said = [x for x in lines if re.match(r"^[\w.]+(Error|Exception)\b", x)] or lines
        return {"error": said[-1][:300]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def has_report_command() -> bool:
    res = subprocess.run([sys.executable, "-m", "ledger_audit.cli", "report", "--help"],
                         cwd=REPO, capture_output=True, text=True, check=False)
    return res.returncode == 0


def usage_files(landing: Path, days: list[dt.date]) -> list[str]:
    files = []
    for d in days:
        files += sorted(str(p) for p in (landing / "usage" / f"dt={d.isoformat()}").glob("*")
                        if p.is_file())
    return files


def run_night(landing: Path, warehouse: Path, date: dt.date, new_days: list[dt.date],
              reports: bool, breakdown: bool = True) -> dict:
    """Floor, then the night's stages, then (`breakdown`) the audit's parts on copies, then
    reports (`reports`)."""
    files = usage_files(landing, new_days)
    bad = [f for f in files if not f.endswith((".jsonl", ".jsonl.gz"))]
    if bad:
        sys.exit(f"bench: usage files must be JSONL for the floor, found {bad[0]}")
    night = {"date": date.isoformat(), "usage_files": len(files), "floor": child("floor", files=files)}
    rows = night["floor"].get("rows", 0)
    common = {"landing": str(landing), "warehouse": str(warehouse), "date": date.isoformat()}
    stages = {}
    for stage in NIGHT:
        if stage == "publish" and breakdown:
            # the audit's parts, re-built on copies of the warehouse the audit just made
            for part in BREAKDOWN:
                copy = warehouse.with_name(warehouse.name + ".bench-copy")
                shutil.copyfile(warehouse.with_name(warehouse.name + ".next"), copy)
                stages[part] = child(part, copy=str(copy), **common)
                copy.unlink()
        stages[stage] = child(stage, **common)
        if "error" in stages[stage]:
            break
    stages["reports"] = child("reports", **common) if reports else {"not_built": True}
    for r in stages.values():
        if "seconds" in r and rows:
            r["usage_rows_per_s"] = rows / r["seconds"] if r["seconds"] else None
    night["usage_rows"] = rows
    night["stages"] = stages
    if all("seconds" in stages[s] for s in NIGHT):
        night["seconds"] = sum(stages[s]["seconds"] for s in NIGHT)
        floor = night["floor"].get("seconds")
        night["ratio_to_floor"] = night["seconds"] / floor if floor else None
    return night


def fmt_night(title: str, n: dict) -> list[str]:
    f = n["floor"]
    lines = [f"{title}: night {n['date']}, {n['usage_rows']:,} usage rows in {n['usage_files']} files"]
    head = f"  {'stage':<16}{'wall s':>9}{'usage rows/s':>15}{'peak RSS MiB':>14}"
    lines.append(head)

    def row(name: str, r: dict) -> str:
        if "error" in r:
            return f"  {name:<16}  failed: {r['error']}"
        if r.get("not_built"):
            return f"  {name:<16}{'not built':>9}"
        rps = r.get("usage_rows_per_s")
        return (f"  {name:<16}{r['seconds']:>9.1f}{(f'{rps:,.0f}' if rps else '-'):>15}"
                f"{r['peak_rss_mib']:>14,.0f}")

    lines.append(row("floor (read)", {**f, "usage_rows_per_s": (
        f["rows"] / f["seconds"] if f.get("seconds") else None)}))
    for s in ("load", "validate", "audit"):
        lines.append(row(s, n["stages"].get(s, {"error": "not run"})))
    for s in BREAKDOWN:
        if s in n["stages"]:
            lines.append(row(f"  {s}*", n["stages"][s]))
    for s in ("publish", "reports"):
        lines.append(row(s, n["stages"].get(s, {"error": "not run"})))
    if "seconds" in n:
        ratio = n.get("ratio_to_floor")
        lines.append(f"  night (load+validate+audit+publish) {n['seconds']:.1f} s"
                     + (f" = {ratio:.1f} x floor" if ratio else ""))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--usage-rows", type=int, default=1_000_000, help="usage rows over all days")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--last-day-usage-rows", type=int, default=0,
                    help="extra usage rows on the last day (one big new day on top of history)")
    ap.add_argument("--even-days", action="store_true",
                    help="the same number of usage rows every day (else days grow as accounts join)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="2026-11-20", help="the last day D")
    ap.add_argument("--first-night", action="store_true", help="(a) night D from scratch")
    ap.add_argument("--next-night", action="store_true", help="(b) night D after night D-1")
    ap.add_argument("--nights", type=int, default=0, metavar="K", help="(c) the last K nights in turn")
    ap.add_argument("--out", type=Path, default=REPO / "bench-out",
                    help="working folder, deleted first (keep logs elsewhere)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args()
    if not (a.first_night or a.next_night or a.nights):
        ap.error("choose at least one of --first-night, --next-night, --nights K")
    if a.nights > a.days or (a.next_night and a.days < 2):
        ap.error("--nights must be at most --days, and --next-night needs --days of at least 2")
    say = (lambda *_: None) if a.json else (lambda s: print(s, flush=True))

    end = dt.date.fromisoformat(a.date)
    days = [end - dt.timedelta(days=a.days - 1 - i) for i in range(a.days)]
    landing = a.out / "landing"
    if a.out.exists():
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    t0 = time.perf_counter()
    report = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()}}
    gen = child("generate", landing=str(landing), accounts=a.accounts, days=a.days, seed=a.seed,
                date=a.date, usage_rows=a.usage_rows, last_day_usage_rows=a.last_day_usage_rows,
                even_days=a.even_days)
    report["generate"] = gen
    if "error" in gen:
        sys.exit(f"bench: generate failed: {gen['error']}")
    say(f"generated {a.usage_rows:,} usage rows over {a.days} days + {a.last_day_usage_rows:,} on "
        f"the last day, {a.accounts:,} accounts: {gen['seconds']:.1f} s, peak "
        f"{gen['peak_rss_mib']:,.0f} MiB")
    reports = has_report_command()
    report["scenarios"] = {}

    def night(wh: Path, i: int, new_days: list[dt.date], whole: bool = True) -> dict:
        return run_night(landing, wh, days[i], new_days, reports and whole, whole)

    if a.first_night:
        n = night(a.out / "a" / "warehouse.duckdb", -1, days)
        report["scenarios"]["first_night"] = n
        say("\n" + "\n".join(fmt_night("(a) first night over all days", n)))
    if a.next_night:
        wh = a.out / "b" / "warehouse.duckdb"
        hist = night(wh, -2, days[:-1])
        n = night(wh, -1, days[-1:])
        report["scenarios"]["next_night"] = {"history": hist, "night": n}
        say(f"\n(b) history: night {hist['date']} over {a.days - 1} days took "
            f"{hist.get('seconds', float('nan')):.1f} s")
        say("\n".join(fmt_night("(b) next night on top of the history", n)))
    if a.nights:
        wh = a.out / "c" / "warehouse.duckdb"
        first = a.days - a.nights
        # (c) prints each night's time alone: no breakdown, no reports
        runs = [night(wh, i, days[: i + 1] if i == first else [days[i]], whole=False)
                for i in range(first, a.days)]
        ok = [r for r in runs if "seconds" in r]
        ratio = ok[-1]["seconds"] / ok[0]["seconds"] if len(ok) == len(runs) and ok else None
        report["scenarios"]["nights"] = {"nights": runs, "last_over_first": ratio}
        say(f"\n(c) {a.nights} nights in turn")
        say(f"  {'night':<12}{'usage rows':>12}{'floor s':>9}{'night s':>9}{'x floor':>9}"
            f"{'peak RSS MiB':>14}")
        for r in runs:
            peak = max((s.get("peak_rss_mib", 0) for k, s in r["stages"].items() if k in NIGHT),
                       default=0)
            say(f"  {r['date']:<12}{r['usage_rows']:>12,}{r['floor'].get('seconds', 0):>9.1f}"
                f"{r.get('seconds', float('nan')):>9.1f}{(r.get('ratio_to_floor') or 0):>9.1f}"
                f"{peak:>14,.0f}")
        say(f"  last / first night: {ratio:.2f}" if ratio else "  last / first: a night failed")
    report["seconds"] = time.perf_counter() - t0
    say("\n* part of audit, re-built on a copy of the audited warehouse in its own process (rules"
        " after an untimed re-build of the models they read); peak RSS counted from its start."
        f"\nwhole bench {report['seconds']:.0f} s")
    if a.json:
        print(json.dumps(report, indent=1))
    if not a.keep:
        shutil.rmtree(a.out)


if __name__ == "__main__":
    main()
