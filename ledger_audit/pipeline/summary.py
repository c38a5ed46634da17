"""The night's printable summary, as `ledger-audit run` shows it."""

from __future__ import annotations


def format_summary(loaded: dict, checked: dict, audited: dict, published: dict) -> str:
    state = "published" if published.get("published") else "unchanged"
    lines = [(f"ledger-audit run {audited['business_date']}: {loaded['new_files']} new file(s)"
              f" of {loaded['files']} loaded; {state} {published['warehouse']}")]
    head = ("source", "files", "read", "loaded", "duplicate", "quarantined")
    rows = [head] + [(s, *map(str, v.values())) for s, v in audited["sources"].items()]
    tot = [sum(v[k] for v in audited["sources"].values())
           for k in ("files", "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined")]
    rows.append(("total", *map(str, tot)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        lines.append("  " + r[0].ljust(widths[0]) + "".join(
            "  " + c.rjust(w) for c, w in zip(r[1:], widths[1:])))
    n = sum(audited["violations"].values())
    lines.append(f"violations: {n}" + (f" ({len(audited['violations'])} rules)" if n else ""))
    # which path the night's duplicate check took, and why a source was judged in full again
    notes = audited.get("staging", [])
    quick = [n.split(":")[0] for n in notes if "new file(s) against" in n]
    if quick:
        lines.append(f"duplicates: new files judged against the published keys for {', '.join(quick)}")
    lines += [f"duplicates: {n}" for n in notes
              if "new file(s) against" not in n and "no published warehouse" not in n]
    # what the build carried from the published night, or why it recomputed everything
    lines += [f"night: {line}" for line in audited.get("path", [])]
    for w in checked["warnings"] + audited["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)
