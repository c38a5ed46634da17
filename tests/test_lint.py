"""The code base stays lint-clean (ruff, settings in pyproject.toml): part of the one test command."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
