"""Running the command line as a hostile user would, and checking that it refuses cleanly.

``refused(...)`` runs ``python simulate.py ARGS`` in a subprocess inside ``cwd`` with a memory
cap and a time limit, and checks the contract every command keeps on bad input: exit code 2,
at most three lines on stderr naming what was wrong, no traceback, and no file created,
changed or removed anywhere under ``cwd``.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Address-space cap for a refused command: generous for numpy/pandas imports, far below what
#: an alias bomb or an unbounded read would take.
MEMORY_CAP = 2 * 1024**3
#: A refusal must come within this many seconds (imports included, on a loaded 2-core machine).
TIME_LIMIT = 60


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its content (symlinks by target)."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        if p.is_symlink():
            out[str(p)] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p)] = hashlib.sha1(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[str(p)] = "dir"
    return out


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(
    args: list[str], cwd: Path, timeout: float = TIME_LIMIT, stdin: str | None = None, cap_memory: bool = True
) -> subprocess.CompletedProcess:
    """``python simulate.py ARGS`` in ``cwd`` (the package imported from this checkout)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100", MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        env=env,
        preexec_fn=_limit_memory if cap_memory else None,
    )


def refused(args: list[str], cwd: Path, *expect: str, timeout: float = TIME_LIMIT) -> str:
    """Run a command that must be refused; return its stderr.

    Checks: exit code 2; no traceback; one to three lines on stderr, each starting with
    ``error:`` or being a hint; every string of ``expect`` appears in the message; nothing under
    ``cwd`` created, changed or removed.
    """
    before = snapshot(cwd)
    proc = run_cli(args, cwd, timeout=timeout)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stderr[-2000:]}{proc.stdout[-500:]}"
    lines = err.splitlines()
    assert 1 <= len(lines) <= 3, err
    assert lines[0].startswith("error:"), err
    for word in expect:
        assert word in err, f"{word!r} not in: {err}"
    assert snapshot(cwd) == before, "a refused command changed files"
    return err
