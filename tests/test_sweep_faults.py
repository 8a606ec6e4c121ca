"""Resuming a sweep after damage from outside: a part file cut short or replaced, and a
sweep killed with SIGKILL part way.  Resuming never shows a traceback, runs each damaged
batch again, and ends with every batch exactly once and the numbers of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from conftest import ROOT, SWEEP_PARAMS, SWEEP_SCENARIO, read_points, write
from sim.errors import InputError
from sim.sweeps.execution import load_sweep

SMALL, PARAMS = SWEEP_SCENARIO, SWEEP_PARAMS
BATCHES = 12
SETTINGS = {"design": "lhs", "n": BATCHES, "reps": 60, "seed": 5, "batch_points": 1}
ARGS = [
    *(a for p, r in PARAMS.items() for a in ("--param", f"{p}={r}")),
    "--design",
    "lhs",
    "--n",
    str(BATCHES),
    "--reps",
    "60",
    "--seed",
    "5",
    "--batch-points",
    "1",
    "--no-plot",
    "-q",
    "--workers",
    "1",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The sweep's rows from an uninterrupted run."""
    path = write(tmp_path_factory.mktemp("ref") / "small.yaml", SMALL)
    return sim.sweep(path, PARAMS, **SETTINGS).reset_index(drop=True)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def part(out: Path, batch: int) -> Path:
    return out / "points" / f"part-{batch:06d}.parquet"


def parts(out: Path) -> list[Path]:
    return sorted((out / "points").glob("part-*.parquet"))


def rows(out: Path) -> pd.DataFrame:
    frame = read_points(out / "points")
    assert not frame["point"].duplicated().any()
    return frame


def cut_in_half(path: Path) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return data[: len(data) // 2]


def test_a_damaged_part_file_is_set_aside_and_its_batch_run_again(tmp_path, reference):
    scenario, out = write(tmp_path / "small.yaml", SMALL), tmp_path / "sw"
    first = cli("sweep", str(scenario), *ARGS, "--out", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    half = cut_in_half(part(out, 3))
    part(out, 7).write_bytes(part(out, 1).read_bytes())  # whole, but another batch's rows
    with pytest.raises(InputError, match=r"part-000003.parquet: cannot be read .*--resume"):
        load_sweep(out)  # one line, not an Arrow traceback
    again = cli("sweep", str(scenario), *ARGS, "--out", str(out), "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    notices = again.stderr.splitlines()
    assert notices[0].startswith(f"{part(out, 3)} cannot be used (unreadable: ")
    assert notices[0].endswith(f"moved it to {out / 'damaged' / part(out, 3).name} and running batch 3 again")
    assert notices[1] == (
        f"{part(out, 7)} cannot be used (it does not hold the points 7 to 7 of batch 7); "
        f"moved it to {out / 'damaged' / part(out, 7).name} and running batch 7 again"
    )
    assert len(notices) == 2
    assert (out / "damaged" / part(out, 3).name).read_bytes() == half  # kept as it was found
    assert len(parts(out)) == BATCHES
    pd.testing.assert_frame_equal(rows(out), reference)


def test_a_sweep_killed_with_sigkill_resumes_to_the_numbers_of_an_uninterrupted_run(tmp_path, reference):
    scenario, out = write(tmp_path / "small.yaml", SMALL), tmp_path / "sw"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "simulate.py"), "sweep", str(scenario), *ARGS, "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(parts(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done = parts(out)
    assert 2 <= len(done) < BATCHES, "the sweep must be killed part way"
    # The folder is swapped into place before the first batch runs: no staging folder is left.
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".sw.")]
    damaged = int(done[-1].stem.removeprefix("part-"))
    cut_in_half(done[-1])  # and damage one of the finished parts as well
    again = cli("sweep", str(scenario), *ARGS, "--out", str(out), "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr and f"running batch {damaged} again" in again.stderr
    assert len(parts(out)) == BATCHES and not list((out / "points").glob(".part-*"))
    pd.testing.assert_frame_equal(rows(out), reference)
