"""The reference docs a reader without the code uses, written from the code they describe.

    docs/rules.md          from the headers of transforms/rules/<RULE_ID>.sql and the settings'
                           defaults and descriptions in core/config.py
    docs/data-contract.md  from transforms/sources.py, the input contract the loader enforces

`python -m ledger_audit.docs` rewrites both; tests/test_docs_fresh.py fails when either is stale,
so a rule or a setting cannot change without its documentation.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from core.config import Config
from transforms.rules import SEVERITIES, Rule, discover
from transforms.sources import FORMATS, SOURCES, Source

ROOT = Path(__file__).resolve().parent.parent
GENERATED = "<!-- Written by `python -m ledger_audit.docs` from {src}: edit those, not this file. -->"

SEVERITY_MEANING = {
    "violation": "the record breaks the agreement",
    "risk": "a pattern that needs a person's review",
    "break": "the books of two systems disagree",
}

RULES_INTRO = """\
# The rules

What the nightly audit checks, clause by clause: {n} rules from the platform's service
agreements (the Zhipu Service Agreement, cited "Zhipu §N", and the Kimi user agreement, cited
"Kimi" and the heading). Each rule is one file, `transforms/rules/<RULE_ID>.sql`, whose header this
catalogue is written from; each finding is a row of `marts.violations` with the rule's id,
severity and clause, the subject it is about, the amount at stake and the evidence it rests on.

- **Severity**: {severities}.
- **Audience**: who reads the finding first, `finance` or `legal`.
- **Settings** change a threshold without changing the code: put the key in a TOML file passed
  to `ledger-audit run --config` (every key, with its default: `ledger-audit.example.toml`). A setting not
  listed under a rule does not change what that rule flags, except `platform.timezone`, which
  sets every rule's business dates and its "now".
- **Readings**: where two careful readers of the agreements could differ, the reading a finance
  or legal reviewer would choose is taken and listed under the rule.

Rule texts cite the specification they were written from as "rules.md §N"; what they cite is
summarised in the three sections after the table.

| rule | severity | audience | clause |
|---|---|---|---|
{table}

## §1 The balance model

Each account holds three kinds of funds. **Cash**: succeeded top-ups; no expiry; the only
refundable and invoiceable kind. **Trial**: trial grants; they expire at `expires_at`, by
default `balance.trial_days` (30) days after they were granted. **Discount**: discount grants;
they expire at `expires_at` if set, and a discount linked to a top-up is void once a refund of
that top-up is approved.

**Recomputed funding.** The audit works out, independently of the platform, how each charge is
funded. Events apply in time order; at equal times credits come first, then expiries, then
refunds, then usage. A charge draws from live trial grants (earliest expiry first), then live
discount grants, then cash top-ups first in, first out; what is left is **uncovered**. The order
of the kinds is the setting `balance.burn_down`. An approved or paid refund debits its top-up's
cash when it takes effect (`decided_at`, else `requested_at`).

Per top-up T at time t: `refundable(T, t) = max(0, amount − cash consumed from T − refunded − usage
drawn from discounts linked to T)`. Per account: `unconsumed_cash = Σ top-ups − cash consumed −
refunded`; `over_invoiced = max(0, invoiced − cash consumed)`; `refundable = max(0,
unconsumed_cash − over_invoiced)`; `invoiceable = max(0, cash consumed − invoiced)`.

## §3 Identity clusters

Two accounts are linked when they share an ID document, an enterprise tax id, a phone, a
normalised e-mail address (lower case; dots dropped from gmail.com and googlemail.com local
parts; a `+tag` dropped for every domain), a device, or a paying instrument of a top-up of any
status; or when a probabilistic match of name, birth date and address says they are one person
(at or above `identity.match_probability`, 0.9; the model's figures are fixed, not re-trained
each night, so a night's clusters are reproducible). A cluster is a connected group of linked
accounts, as of "now", using the identifiers of every version of an account.

## §6 Fine points that apply to every rule

- **As of.** A run for business date D reads everything delivered for dates up to D; its "now" is
  the end of D (the next midnight in `platform.timezone`). Records stamped at or after "now" are
  ignored; a window still open at "now" is not yet a violation.
- **Account versions.** A rule about an account at time t uses the version in force at t (latest
  `updated_at` ≤ t), except: verification counts from the earliest verification of any version;
  age uses the latest known birth date, in whole calendar years on platform-zone dates;
  registration is the first version's.
- **Intervals** of suspension and termination are half-open: [the action, the resuming action).
- **Windows.** "Within 24 h / 7 days / 30 days" means some half-open window [s, s + w) holds the
  records; every record inside a qualifying window is flagged.
- **Top-up rules** consider succeeded top-ups only.
- **Violations over time.** A finding keeps its `violation_id` on every later run until the data
  behind it changes (the id hashes rule, subject, amount and evidence); `first_detected_on` is
  kept per rule and subject across such changes. A re-run of a date gives the same rows.
"""


def _setting(key: str) -> tuple[str, str]:
    """(default as written in the TOML file, description) of a config key like rules.minor_age."""
    section, name = key.split(".")
    model: BaseModel = getattr(Config(), section)
    field = type(model).model_fields.get(name)
    if field is None:
        raise KeyError(f"no setting {key} in core/config.py")
    value = getattr(model, name)
    if isinstance(value, tuple):
        shown = "[" + ", ".join(f'"{v}"' for v in value) + "]"
    elif isinstance(value, str | Decimal):  # decimals are written as text, to stay exact
        shown = f'"{value}"'
    else:
        shown = str(value)
    return shown, field.description or ""


def _rule_section(rule: Rule) -> str:
    flags = [p for p in rule.paragraphs if not p.startswith(("Reading:", "Exists because",
                                                             "Implementation:"))]
    why = [p for p in rule.paragraphs if p.startswith("Exists because")]
    out = [f"## {rule.rule_id}", "",
           (f"**Severity** {rule.severity} · **audience** {rule.audience} · "
            f"[`transforms/rules/{rule.path.name}`](../transforms/rules/{rule.path.name})"), "",
           f"**Clause.** {rule.clause}", "",
           f"**What it flags.** {' '.join(flags)}", ""]
    if why:
        out += [f"**Why.** {' '.join(why)}", ""]
    if rule.settings:
        out += ["**Thresholds and their settings.**", "", "| setting | default | what it sets |",
                "|---|---|---|"]
        for key in rule.settings:
            default, meaning = _setting(key)
            out.append(f"| `{key}` | `{default}` | {meaning} |")
        out.append("")
    else:
        out += ["**Thresholds and their settings.** None: the agreement fixes what it flags.", ""]
    if rule.readings:
        out += ["**Readings chosen.**", ""] + [f"- {r}" for r in rule.readings] + [""]
    else:
        out += ["**Readings chosen.** None beyond the fine points above.", ""]
    return "\n".join(out)


def rules_catalogue(rules: list[Rule] | None = None) -> str:
    """docs/rules.md: every rule's id, severity, audience, clause, what it flags and why, its
    thresholds with the settings that change them, and the readings chosen."""
    rules = discover() if rules is None else rules
    table = "\n".join(f"| [`{r.rule_id}`](#{r.rule_id.lower()}) | {r.severity} | {r.audience} | "
                      f"{r.clause} |" for r in rules)
    severities = "; ".join(f"`{s}`: {SEVERITY_MEANING[s]}" for s in SEVERITIES)
    head = RULES_INTRO.format(n=len(rules), table=table, severities=severities)
    gen = GENERATED.format(src="the headers of transforms/rules/*.sql and core/config.py")
    return "\n".join([gen, "", head] + [_rule_section(r) for r in rules]).rstrip() + "\n"


TYPE_WORDS = {
    "str": "text",
    "enum": "one of the values listed",
    "ts": "timestamp",
    "date": "date",
    "int": "integer",
    "bool": "true / false",
    "money2": "decimal, at most 2 places",
    "money6": "decimal, at most 6 places",
}

CONTRACT_INTRO = """\
# Data contract: what goes in

What the platform's systems drop into the landing zone each night. The loader accepts exactly
this: extra columns are ignored, a missing required column fails the run with an error naming
the file. What the audit publishes is described in
[`transforms/README.md`](../transforms/README.md); the rules it checks are in [rules.md](rules.md).

## Conventions

- **Landing zone**: `<landing>/<source>/dt=YYYY-MM-DD/<any name>.<ext>`; `dt` is the business
  date the file belongs to. Formats, by extension: {formats}. Several files per partition are
  allowed. A partition that arrives late is picked up by the next run or by a re-run of its date.
- **Money**: CNY, read and computed as exact decimals, never binary floats. Text like `"12.30"`
  is the normal form.
- **Time**: ISO-8601 timestamps with offset (`2026-11-20T23:59:59+08:00`). A timestamp without
  offset is in the platform time zone (`platform.timezone`, default `Asia/Shanghai`), and so are
  business dates.
- **Hashes** (`*_hash`) are opaque strings made upstream: equal strings mean the same person,
  phone, document or payment instrument. **Identifiers** (`*_id`) are strings.
- **Empty** string and missing value both mean null.
- **Keys and duplicates.** A row whose key was seen before with identical content (compared as
  typed values) is dropped and counted in `marts.load_audit`; one that differs is quarantined,
  and the first one seen (by `dt`, file name, row) stays.
- **Bad rows.** A row with a missing required value, a value of the wrong type, a value outside
  its listed values or one that fails its check is quarantined with the reason, in
  `marts.quarantine`; every row read is loaded, dropped as a duplicate or quarantined.

## Sources
"""


def _source_section(src: Source) -> str:
    title = f"### {src.name}" + (f" ({src.clause})" if src.clause else "")
    out = [title, "", f"{src.grain[0].upper()}{src.grain[1:]}. Key: "
           + ", ".join(f"`{k}`" for k in src.key) + ".", "",
           "| column | type | required | meaning |", "|---|---|---|---|"]
    for c in src.columns:
        kind = " \\| ".join(f"`{v}`" for v in c.values) if c.values else TYPE_WORDS[c.type]
        meaning = c.doc
        if c.check_reason:
            meaning = "; ".join(filter(None, [meaning, f"else quarantined: {c.check_reason}"]))
        out.append(f"| {c.name} | {kind} | {'yes' if c.required else 'no'} | {meaning} |")
    return "\n".join(out) + "\n"


def data_contract() -> str:
    """docs/data-contract.md: every landing-zone source, its key, columns and checks."""
    gen = GENERATED.format(src="transforms/sources.py")
    formats = ", ".join(f"`{f}`" for f in FORMATS)
    return "\n".join([gen, "", CONTRACT_INTRO.format(formats=formats)]
                     + [_source_section(s) for s in SOURCES.values()]).rstrip() + "\n"


DOCS = {"docs/rules.md": rules_catalogue, "docs/data-contract.md": data_contract}


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite every generated doc under `root`; returns the paths whose text changed."""
    changed = []
    for rel, render in DOCS.items():
        path = root / rel
        text = render()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}", file=sys.stderr)
