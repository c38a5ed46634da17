"""The README and docs/*.md say what is true: every path they name exists, every command block
goes through `./dev`, the Quick start is what CI runs, and `./dev` sets up uv without touching
the system Python."""

from __future__ import annotations

import csv
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.config import ConfigError, load_config
from ledger_audit import airflow_support
from ledger_audit.cli import app
from ledger_audit.pipeline import step_audit, step_validate
from transforms import rules

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = (ROOT / "README.md").read_text(encoding="utf-8")
AIRFLOW_MD = (ROOT / "docs" / "airflow.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.DOTALL | re.MULTILINE)
# What the docs call through ./dev: a bare one is not on the PATH of a fresh shell.
TOOLS = {"airflow", "ledger-audit", "pytest", "python", "python3", "uv", "ruff", "pip"}


def _name(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


def _prose(text: str) -> str:
    return FENCE.sub("", text)


def _sh_blocks(text: str) -> list[str]:
    return [body for lang, body in FENCE.findall(text) if lang in ("sh", "bash", "shell")]


def _top_level() -> set[str]:
    """Top-level names of the repository: what is there, less what .gitignore keeps out."""
    ignored = {ln.strip().strip("/") for ln in (ROOT / ".gitignore").read_text().splitlines()}
    return {p.name for p in ROOT.iterdir()} - ignored - {".git"}


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", _prose(doc.read_text()), re.MULTILINE)}


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_relative_link_points_at_a_file_that_exists(doc):
    missing = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(doc.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        broken_anchor = file.exists() and file.suffix == ".md" and anchor not in _anchors(file)
        if not file.exists() or (anchor and broken_anchor):
            missing.append(target)
    assert not missing, f"{_name(doc)} links to what does not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_backticked_repository_path_exists(doc):
    """`transforms/README.md`, `tests/rules/test_<RULE_ID>.py` (a pattern): each path whose first
    part is a top-level entry of the repository must match a file or folder."""
    top, missing = _top_level(), []
    for span in re.findall(r"`([^`\s]+)`", _prose(doc.read_text())):
        if span.split("/")[0] not in top:
            continue  # not a repository path: out/warehouse.duckdb, $AIRFLOW_HOME/…, a module
        pattern = re.sub(r"<[^>]+>", "*", span.rstrip("/"))
        if not list(ROOT.glob(pattern)):
            missing.append(span)
    assert not missing, f"{_name(doc)} names paths that do not exist: {missing}"


def test_every_doc_the_code_points_at_exists():
    """The DAG's doc, module docstrings and comments send readers to docs by path."""
    top, missing = _top_level(), []
    for py in sorted(ROOT.glob("[!.]*/**/*.py")):
        if py.parts[len(ROOT.parts)] in top and py.parts[len(ROOT.parts)] != "tests":
            for ref in re.findall(r"[\w./-]+\.md\b", py.read_text(encoding="utf-8")):
                if ref.split("/")[0] in top and not (ROOT / ref).exists():
                    missing.append(f"{py.relative_to(ROOT)}: {ref}")
    assert not missing, missing


def test_the_path_check_catches_a_missing_path():
    top = _top_level()
    assert {"transforms", "README.md", "dev"} <= top and ".venv" not in top
    assert not list(ROOT.glob("transforms/no_such_file.sql"))


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_no_doc_points_readers_at_a_tracker_they_cannot_see(doc):
    found = re.findall(r"\b(?:issues?|tickets?)\s*#?\d+", doc.read_text(), re.IGNORECASE)
    assert not found, f"{_name(doc)} mentions {found}"


def _bare_tools(block: str) -> list[str]:
    """Commands of a shell block that call a tool without ./dev (continuation lines are
    arguments, not commands)."""
    bare, continued = [], False
    for line in block.splitlines():
        if not continued and not line.lstrip().startswith("#"):
            for part in re.split(r";|&&|\|\||\||\$\(|&|\b(?:do|then|until|while)\b", line):
                words = [w for w in part.split() if not re.match(r"^\w+=", w)]
                if words and words[0] in TOOLS:
                    bare.append(line.strip())
        continued = line.rstrip().endswith("\\")
    return bare


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_command_in_a_shell_block_goes_through_dev(doc):
    bare = [ln for block in _sh_blocks(doc.read_text()) for ln in _bare_tools(block)]
    assert not bare, f"{_name(doc)}: not on the PATH of a fresh shell, use ./dev: {bare}"


def test_the_dev_check_catches_a_bare_tool():
    assert _bare_tools("airflow dags list\n") == ["airflow dags list"]
    assert _bare_tools("until airflow dags state x | grep -q ok; do sleep 1; done\n")
    assert _bare_tools("X=1 ledger-audit run\n")
    assert not _bare_tools("./dev airflow dags list \\\n  airflow\nRUN_ID=x\n")


def _quick_start() -> list[str]:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [ln for b in _sh_blocks(quick) for ln in b.strip().splitlines()
            if ln and not ln.startswith("#")]


def test_quick_start_is_two_dev_commands_and_ci_runs_exactly_the_second():
    assert _quick_start() == ["./dev ledger-audit demo", "./dev pytest"]
    # besides the test command, CI may only install the Debian packages the report tests render
    # with (chromium, poppler-utils, CJK fonts), guarded so that it is a no-op when present
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines()
          if ln and not ln.startswith(("#", "set ", "cd "))
          and not ("apt-get install" in ln and ln.startswith("command -v "))]
    assert ci == [_quick_start()[1]]


# ./dev and .ci/run, run against stand-ins for python3 and uv that log how they were called.

FAKE_UV = """#!/bin/sh
printf '%s\\n' "$@" > "$(dirname "$0")/../uv-args"
exit "${FAKE_UV_EXIT:-0}"
"""

# A python3 with pip whose `pip install` into itself would fail, as Debian's does (PEP 668).
FAKE_PYTHON3 = """#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$*" in
  "-m pip --version") [ -n "$FAKE_NO_PIP" ] && exit 1; echo "pip 23.0.1"; exit 0 ;;
  "-m venv --without-pip "*) mkdir -p "$4/bin" && touch "$4/bin/python"; exit 0 ;;
  "-m pip --python "*" install "*) cp "$FAKE_UV" "$(dirname "$4")/uv" && chmod +x "$(dirname "$4")/uv"; exit 0 ;;
  *) echo "error: externally-managed-environment" >&2; exit 1 ;;
esac
"""


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def clone(tmp_path):
    """A copy of dev and .ci/run, a python3 stand-in first on the PATH."""
    repo = tmp_path / "repo"
    _executable(repo / "dev", (ROOT / "dev").read_text())
    _executable(repo / ".ci" / "run", (ROOT / ".ci" / "run").read_text())
    fake_uv = _executable(tmp_path / "uv", FAKE_UV)
    _executable(tmp_path / "bin" / "python3", FAKE_PYTHON3)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "FAKE_LOG": str(tmp_path / "python3.log"), "FAKE_UV": str(fake_uv)}
    return repo, env, tmp_path / "python3.log"


def _run(cmd, repo, env, **extra):
    return subprocess.run(cmd, cwd=repo, env={**env, **extra}, capture_output=True, text=True,
                          timeout=60, check=False)


def test_dev_installs_uv_into_its_own_venv_with_the_system_pip_then_runs_the_command(clone):
    repo, env, log = clone
    result = _run(["./dev", "ledger-audit", "demo", "--out", "x y"], repo, env)
    assert result.returncode == 0, result.stderr
    tools = repo / ".venv-tools"
    assert log.read_text().splitlines() == [
        "-m pip --version",
        f"-m venv --without-pip {tools}",
        f"-m pip --python {tools}/bin/python install --quiet --disable-pip-version-check uv",
    ]
    args = (tools / "uv-args").read_text().splitlines()
    assert args == ["run", "--frozen", "--project", str(repo), "ledger-audit", "demo", "--out", "x y"]
    log.unlink()
    assert _run(["./dev", "pytest"], repo, env).returncode == 0
    assert not log.exists(), "the second run must not set uv up again"


def test_dev_on_a_python3_without_pip_says_what_to_install_in_one_line(clone):
    repo, env, _ = clone
    result = _run(["./dev", "pytest"], repo, env, FAKE_NO_PIP="1")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "./dev: python3 has no pip (on Debian or Ubuntu: sudo apt install python3-pip)"]


@pytest.mark.parametrize("pytest_exit", [0, 1, 5])
def test_ci_runs_dev_pytest_and_fails_when_pytest_fails_or_runs_no_test(clone, pytest_exit):
    """pytest exits 5 when it collected no test: CI must fail then too."""
    repo, env, _ = clone
    result = _run([".ci/run"], repo, env, FAKE_UV_EXIT=str(pytest_exit))
    assert result.returncode == pytest_exit, result.stderr
    args = (repo / ".venv-tools" / "uv-args").read_text().splitlines()
    assert args == ["run", "--frozen", "--project", str(repo), "pytest"]


# What the README says about commands and the warehouse.

def _readme_options(command: str) -> set[str]:
    rows = [r for r in README.splitlines() if r.startswith(f"| `./dev ledger-audit {command} ")]
    assert rows, f"README's Commands table has no row for {command}"
    return set(re.findall(r"--[a-z-]+", rows[0].split("|")[1]))


@pytest.mark.parametrize("command", ["demo", "generate", "run", "sql"])
def test_every_option_the_readme_shows_is_an_option_of_the_command(command):
    help_text = CliRunner().invoke(app, [command, "--help"]).output
    unknown = [o for o in _readme_options(command) if not re.search(rf"{o}\b", help_text)]
    assert not unknown, f"ledger-audit {command} has no {unknown}"


def test_the_readme_counts_the_rules_there_are():
    (count,) = re.findall(r"checks the (\d+) rules", README)
    assert int(count) == len(rules.discover())


def test_the_readme_example_of_a_bad_config_key_is_the_real_message(tmp_path, monkeypatch):
    (example,) = re.findall(r"`(config file x\.toml: [^`]+)`", README)
    monkeypatch.chdir(tmp_path)
    Path("x.toml").write_text("[rules]\ndispute_dayz = 45\n")
    with pytest.raises(ConfigError) as raised:
        load_config(Path("x.toml"))
    assert str(raised.value) == example


def _write_topup(landing: Path, day: str) -> None:
    path = landing / "topups" / f"dt={day}" / "a.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"topup_id": f"t{day}", "account_id": "a1", "paid_at": f"{day}T10:00:00+08:00",
           "amount": "100.00", "method": "card", "payer_ref_hash": "p1", "status": "succeeded"}
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)


def test_the_readme_query_on_meta_run_says_which_night_the_warehouse_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(step_validate, "validate_sources", lambda *a, **k: [])  # tested on their own
    monkeypatch.setattr(step_audit, "validate_marts", lambda *a: [])
    (query,) = re.findall(r'"(SELECT \* FROM meta\.run)"', README)
    landing, wh, runner = tmp_path / "landing", str(tmp_path / "w.duckdb"), CliRunner()
    for day in ("2026-11-19", "2026-11-20"):
        _write_topup(landing, day)
    for day in ("2026-11-20", "2026-11-19"):  # an older day re-run is what is published then
        ran = runner.invoke(app, ["run", "--landing", str(landing), "--warehouse", wh, "--date", day])
        assert ran.exit_code == 0, ran.output
        shown = runner.invoke(app, ["sql", "--warehouse", wh, query]).output
        other = "2026-11-19" if day == "2026-11-20" else "2026-11-20"
        assert f"│ {day} " in shown and other not in shown, shown


def test_the_airflow_variables_documented_are_the_ones_read():
    documented = set(re.findall(r"^\| `(ledger_audit_\w+)` \|", AIRFLOW_MD, re.MULTILINE))
    read = {v for k, v in vars(airflow_support).items() if k.startswith("VAR_")}
    assert documented == read


def test_the_airflow_walkthrough_waits_for_the_dag_before_unpausing_it():
    """Until the dag-processor has parsed the DAG, `dags unpause` finds nothing and succeeds,
    and the triggered run then stays queued."""
    lines = [ln for b in _sh_blocks(AIRFLOW_MD) for ln in b.splitlines()]
    wait = next(i for i, ln in enumerate(lines) if ln.startswith("until ") and "dags details" in ln)
    unpause = next(i for i, ln in enumerate(lines) if "dags unpause" in ln)
    trigger = next(i for i, ln in enumerate(lines) if "dags trigger" in ln)
    assert wait < unpause < trigger
    assert "--run-id $RUN_ID" in lines[trigger]
    stop = [ln for ln in lines if ln.startswith("kill ")]
    assert stop == ["kill $(cat $AIRFLOW_HOME/*.pid)"]
    started = [ln for ln in lines if ln.rstrip().endswith(".pid")]
    assert len(started) == 3 and all(" & echo $! > $AIRFLOW_HOME/" in ln for ln in started)
