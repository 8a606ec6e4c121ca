"""Shared helpers: small scenarios built in code."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

import sim
from sim.rules import from_data

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run and machine: a failure is reproducible.
settings.register_profile("reproducible", derandomize=True, deadline=None, database=None)
settings.load_profile("reproducible")

BASE: dict[str, Any] = {
    "name": "test",
    "start": "2025-01-01",
    "end": "2025-06-30",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 10_000}],
    "phases": [{"from": "2025-01-01", "posture": "combat"}],
    "postures": {"combat": {"daily_rate": 0.01}},
    "casualties": {"killed": 1.0},
}

# A 120-day scenario for sweep tests: an engine run of a batch takes a fraction of a second.
SWEEP_SCENARIO: dict[str, Any] = {
    "name": "small",
    "start": "2025-01-01",
    "end": "2025-04-30",
    "seed": 11,
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 1000}],
    "postures": {"combat": {"daily_rate": 0.01}},
    "casualties": {"killed": 0.2},
    "wounded": {"return_to_duty": {"uniform": [0.1, 0.4]}, "recovery_days": {"mean": 10, "min": 3}},
    "thresholds": {"half": {"measure": "effective", "below": 0.5, "of": "peak_effective"}},
}
SWEEP_PARAMS = {"postures.combat.daily_rate": "0.005:0.02", "wounded.return_to_duty": "0.0:0.6"}


def make(base: dict[str, Any] | None = None, **changes: Any) -> sim.Scenario:
    """``base`` (default :data:`BASE`) with top-level keys replaced (``None`` removes a key)."""
    data = copy.deepcopy(BASE if base is None else base)
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return from_data(data)


def execute_notebook(name: str) -> list:
    """Run ``notebooks/<name>`` top to bottom from the notebooks folder, as a reader opening it
    in Jupyter would, and return its code cells with their outputs.  A cell that raises fails
    the test; the timeout only guards against a hung kernel, it times nothing."""
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def simulate(*args: str, cwd=None, columns: int = 80, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python simulate.py ARGS`` in a subprocess, its output captured as text and piped at
    ``columns`` (80: the narrow tables; wider where a test reads whole cells)."""
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
    )


def read_points(path: Path):
    """A sweep's stored points (a Parquet file or folder) as ``sim.sweep`` returns them: sorted
    by point, dates as pandas dates (NaT when missing)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(date_as_object=False).sort_values("point", ignore_index=True)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def base_data() -> dict[str, Any]:
    return copy.deepcopy(BASE)
