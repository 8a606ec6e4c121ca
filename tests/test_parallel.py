"""Worker processes (:mod:`sim.parallel`): the same numbers for one or two workers in run, sweep
and calibration, forked or spawned; one limit on the worker count, refused the same way by
every command; and a default count that follows the CPUs this process may use.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hostile import refused

import sim
from conftest import BASE, write
from sim import parallel
from sim.calibration import calibrate
from sim.calibration.observations import select
from sim.calibration.priors import priors_for
from sim.calibration.sampler import Simulator

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "tests" / "data" / "calibration" / "synthetic.yaml"
FIT = ["postures.combat.daily_rate", "casualties.killed"]
LIMIT = f"error: --workers: workers: must be between 1 and {parallel.MAX_WORKERS}"


def _short():
    """The base scenario over two months: 2,500 replications are three blocks, run quickly."""
    return sim.Scenario.model_validate({**copy.deepcopy(BASE), "end": "2025-03-01"})


def _same_result(a, b) -> None:
    np.testing.assert_array_equal(a.q, b.q)
    np.testing.assert_array_equal(a.mean, b.mean)
    for m in sim.MEASURES:
        np.testing.assert_array_equal(a.trajectories[m], b.trajectories[m])
    assert a.first_crossing.keys() == b.first_crossing.keys()
    for k in a.first_crossing:
        np.testing.assert_array_equal(a.first_crossing[k], b.first_crossing[k])


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """Three made-up reports on the synthetic calibration case (only their use matters here)."""

    def report(rid, kind, date, value):
        return {
            "id": rid,
            "kind": kind,
            "value": value,
            "date": date,
            "says": f"made-up {kind} figure",
            "who": "test",
            "outlet": "test",
            "file": "000_0.txt",
        }

    data = {
        "case": "synthetic",
        "default_relative_error": 0.15,
        "estimates": [
            report("deployed", "deployed", "2025-01-15", 6000),
            report("casualties", "casualties", "2025-02-01", 700),
            report("killed", "killed", "2025-02-15", 150),
        ],
    }
    path = tmp_path_factory.mktemp("reports") / "estimates.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# -- the same numbers for any number of workers ---------------------------------------------------


def test_run_gives_the_same_numbers_on_one_or_two_workers():
    one = sim.run(_short(), reps=2500, seed=12, keep_trajectories=True, workers=1)
    two = sim.run(_short(), reps=2500, seed=12, keep_trajectories=True, workers=2)
    _same_result(one, two)


def test_sweep_gives_the_same_rows_on_one_or_two_workers(tmp_path):
    path = write(tmp_path / "s.yaml", {**copy.deepcopy(BASE), "end": "2025-03-01"})
    kw = {
        "design": "lhs",
        "n": 6,
        "reps": 30,
        "seed": 3,
        "batch_points": 1,
        "outputs": ["mean:effective@2025-02-15", "q50:killed@2025-02-15"],
    }
    params = ["postures.combat.daily_rate=0.005:0.02", "casualties.killed=0.1:0.3"]
    one = sim.sweep(path, params, workers=1, **kw).sort_values("point", ignore_index=True)
    two = sim.sweep(path, params, workers=2, **kw).sort_values("point", ignore_index=True)
    pd.testing.assert_frame_equal(one, two)  # exactly
    assert one["mean:effective@2025-02-15"].nunique() == 6  # and the points do differ


def test_calibration_gives_the_same_chain_on_one_or_two_workers(reports):
    kw = {"fit": FIT, "until": "2025-02-20", "walkers": 6, "steps": 4, "reps": 8, "seed": 4}
    one = calibrate(CALIBRATION, reports, workers=1, **kw)
    two = calibrate(CALIBRATION, reports, workers=2, **kw)
    assert np.array_equal(one.chain, two.chain) and np.array_equal(one.log_prob, two.log_prob)
    assert np.isfinite(one.log_prob).all()


def test_spawned_workers_give_the_same_numbers_as_forked_ones(monkeypatch, reports):
    """What macOS and Windows get, and Linux once a thread runs."""
    forked = sim.run(_short(), reps=2500, seed=12, keep_trajectories=True, workers=2)
    s = sim.load_scenario(CALIBRATION)
    obs, _ = select(sim.estimates.load_estimates(reports), s, dt.date(2025, 2, 20))
    cut = s.model_copy(update={"end": dt.date(2025, 2, 20)})
    theta = np.array([[0.004, 0.1], [0.006, 0.15], [0.01, 0.3]])
    with Simulator(cut, priors_for(s, FIT, "synthetic"), obs, 16, 3) as alone:
        figures = alone.figures(theta)

    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    _same_result(forked, sim.run(_short(), reps=2500, seed=12, keep_trajectories=True, workers=2))
    with Simulator(cut, priors_for(s, FIT, "synthetic"), obs, 16, 3, workers=2) as two:
        assert two.pool.method == "spawn"
        assert np.array_equal(two.figures(theta), figures)


# -- the pool and its start method ----------------------------------------------------------------


def test_fork_only_while_no_other_thread_runs():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.start_method() == "spawn"
    finally:
        stop.set()
        thread.join()
    if sys.platform == "linux" and threading.active_count() == 1:
        assert parallel.start_method() == "fork"


def test_pool_maps_in_order_or_as_finished_and_reports_errors():
    with parallel.Pool(2) as pool:
        assert pool.workers == 2
        assert pool.map(abs, [-3, 1, -2]) == [3, 1, 2]
        assert sorted(pool.map_unordered(abs, range(-20, 0))) == list(range(1, 21))
        assert pool.submit(divmod, 7, 2).result() == (3, 1)
        with pytest.raises(ZeroDivisionError):
            pool.submit(divmod, 1, 0).result()
        with pytest.raises(TypeError):  # a worker's error reaches the caller
            list(pool.map_unordered(abs, [1, "x", 2]))


# -- one limit, one message -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1, parallel.MAX_WORKERS + 1, 2.5, "2"])
def test_check_workers_refuses_counts_out_of_range(n):
    with pytest.raises(sim.InputError, match=r"^--workers: workers: must be"):
        parallel.check_workers(n)


def test_library_calls_share_the_limit(reports):
    for call in (
        lambda: sim.run(_short(), reps=10, workers=0),
        lambda: sim.sweep(
            _short(), ["casualties.killed=0.1:0.3"], n=2, reps=5, workers=0, outputs=["mean:effective@2025-02-15"]
        ),
        lambda: calibrate(CALIBRATION, reports, FIT, workers=parallel.MAX_WORKERS + 1),
        lambda: parallel.Pool(parallel.MAX_WORKERS + 1),
    ):
        with pytest.raises(sim.InputError, match=f"must be between 1 and {parallel.MAX_WORKERS}"):
            call()


COMMANDS = {
    "run": ["run", "s.yaml"],
    "sweep": ["sweep", "s.yaml", "--param", "postures.combat.daily_rate=0.005:0.02"],
    "calibrate": ["calibrate", "s.yaml", "--fit", "postures.combat.daily_rate"],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("n", ["0", str(parallel.MAX_WORKERS + 1)])
def test_every_command_refuses_the_same_worker_counts(tmp_path, command, n):
    write(tmp_path / "s.yaml", {**BASE, "postures": {"combat": {"daily_rate": {"uniform": [0.005, 0.02]}}}})
    err = refused([*COMMANDS[command], "--workers", n], tmp_path, "--workers")
    assert err == f"{LIMIT} (got {n})"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_states_the_same_default(command):
    from click.testing import CliRunner

    from sim.cli import main

    text = " ".join(CliRunner().invoke(main, [command, "--help"], terminal_width=200).output.split())
    assert "--workers INTEGER" in text and "[default: all available CPUs]" in text


# -- the default: the CPUs this process may use ---------------------------------------------------


def test_the_default_follows_cpu_affinity(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {2, 5}, raising=False)
    assert parallel.available_cpus() == 2 and parallel.check_workers(None) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(1000)), raising=False)
    assert parallel.check_workers(None) == parallel.MAX_WORKERS
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # no affinity here: every CPU
    assert parallel.available_cpus() == 64


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")
def test_the_command_default_follows_cpu_affinity(tmp_path):
    """A sweep of five batches without --workers: in a process allowed one CPU (as taskset or a
    container would allow) it runs in that process, starting no pool; allowed them all, it runs
    on a pool of one process per CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    write(tmp_path / "s.yaml", {**BASE, "end": "2025-02-01"})
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")

    def sweep(out: str, allowed: set[int]) -> str:
        args = [
            "sweep",
            "s.yaml",
            "--param",
            "postures.combat.daily_rate=0.005:0.02",
            "--n",
            "4",
            "--reps",
            "5",
            "--batch-points",
            "1",
            "--output",
            "mean:effective@2025-01-15",
            "--no-plot",
            "--out",
            out,
        ]
        proc = subprocess.run(
            [sys.executable, str(ROOT / "simulate.py"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=lambda: os.sched_setaffinity(0, allowed),
        )
        assert proc.returncode == 0, proc.stderr
        assert "5 batches" in proc.stderr, proc.stderr
        return proc.stderr

    assert "running on this process" in sweep("one", {cpus[0]})
    if len(cpus) > 1:
        assert f"running on a local pool of {min(len(cpus), 5)} processes" in sweep("all", set(cpus))


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    """SIGKILL of the process that owns a pool ends its workers too (none left waiting)."""
    import signal
    import time

    script = (
        "import os, sys, time\n"
        "from sim.parallel import Pool\n"
        "pool = Pool(2)\n"
        "print(' '.join(str(p) for p in pool._executor._processes), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10  # the kernel signals at once; 10 s only bounds a slow machine

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().split()[2] != "Z"
        except FileNotFoundError:
            return False

    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers)
