"""Lint and format are part of the tests: ruff's checks pass and every file is formatted as
``ruff format`` would write it (line length and rules in pyproject.toml)."""

import shutil
import subprocess
import sys

from conftest import ROOT

PATHS = ["sim", "tests", "benchmarks", "docs", "simulate.py"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    cmd = [exe] if exe else [sys.executable, "-m", "ruff"]
    return subprocess.run([*cmd, *args, *PATHS], cwd=ROOT, capture_output=True, text=True)


def test_lint():
    proc = ruff("check", "--output-format", "concise")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


def test_format():
    proc = ruff("format", "--check")
    assert proc.returncode == 0, "run `ruff format sim tests benchmarks docs simulate.py`:\n" + proc.stdout[-3000:]
