"""Sweeps on a real Dask cluster: a scheduler and worker processes on loopback.

Workers that join mid-sweep take work, a sweep without workers says it waits, a port that is
not a scheduler fails in one line, and a scheduler that dies mid-sweep leaves its finished
batches for ``--resume``.  Every process started here is killed when its test ends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

import sim
from conftest import ROOT, SWEEP_PARAMS, SWEEP_SCENARIO, read_points, write

pytest.importorskip("distributed")

SMALL, PARAMS = SWEEP_SCENARIO, SWEEP_PARAMS
BATCHES = 16
SETTINGS = {"design": "lhs", "n": BATCHES, "reps": 100, "seed": 5, "batch_points": 1}
ARGS = [
    *(a for p, r in PARAMS.items() for a in ("--param", f"{p}={r}")),
    "--design",
    "lhs",
    "--n",
    str(BATCHES),
    "--reps",
    "100",
    "--seed",
    "5",
    "--batch-points",
    "1",
    "--no-plot",
    "-q",
]


class Cluster:
    """A scheduler and workers in their own process groups, with their logs in ``logs``."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def start(self, *args: str, log: str) -> subprocess.Popen:
        with open(self.logs / log, "wb") as fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", *args], stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs.append(proc)
        return proc

    def scheduler(self) -> subprocess.Popen:
        file = self.logs / "scheduler.json"
        proc = self.start(
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(file),
            "--no-dashboard",
            log="scheduler.log",
        )
        wait_for(lambda: file.exists() and file.stat().st_size > 0, 60, "the scheduler did not start")
        self.address = json.loads(file.read_text())["address"]
        return proc

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(
            "distributed.cli.dask_worker",
            self.address,
            "--name",
            name,
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--memory-limit",
            "0",
            "--death-timeout",
            "20",
            log=f"{name}.log",
        )

    def kill(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        for proc in c.procs:
            c.kill(proc)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The sweep's rows from an uninterrupted run in this process."""
    path = write(tmp_path_factory.mktemp("ref") / "small.yaml", SMALL)
    return sim.sweep(path, PARAMS, **SETTINGS).reset_index(drop=True)


# Twenty years a batch (about 0.3 s of work for one worker): slow enough that a worker stopped
# after its first batch leaves most of the sweep to one that joins later.
SLOW = {**SMALL, "end": "2044-12-31"}


@pytest.fixture(scope="module")
def slow_reference(tmp_path_factory) -> pd.DataFrame:
    path = write(tmp_path_factory.mktemp("ref") / "small.yaml", SLOW)
    return sim.sweep(path, PARAMS, **SETTINGS).reset_index(drop=True)


def wait_for(ready, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def parts(out: Path) -> int:
    return len(list((out / "points").glob("part-*.parquet")))


def sweep_process(scenario: Path, out: Path, address: str, stderr: Path) -> subprocess.Popen:
    with open(stderr, "w") as fh:
        return subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "simulate.py"),
                "sweep",
                str(scenario),
                *ARGS,
                "--scheduler",
                address,
                "--out",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=fh,
            cwd=out.parent,
            start_new_session=True,
        )


def rows(out: Path) -> pd.DataFrame:
    return read_points(out / "points")


def batches_run(address: str) -> dict[str, int]:
    """Tasks each worker has run, by worker name."""
    from distributed import Client

    with Client(address, timeout=20, set_as_default=False) as client:
        counts = client.run(lambda dask_worker: (dask_worker.name, dask_worker.state.executed_count))
    return dict(counts.values())


def test_workers_that_join_mid_sweep_take_work_and_give_the_local_numbers(cluster, tmp_path, slow_reference):
    scenario, out, err = write(tmp_path / "small.yaml", SLOW), tmp_path / "sw", tmp_path / "sweep.err"
    cluster.scheduler()
    proc = sweep_process(scenario, out, cluster.address, err)
    cluster.procs.append(proc)
    wait_for(
        lambda: "waiting for workers to join the scheduler at" in err.read_text(),
        60,
        "a sweep without workers must say that it waits for them",
    )
    first = cluster.worker("w1")
    wait_for(lambda: parts(out) >= 1, 60, "the first worker ran nothing")
    # With the first worker stopped, batches can only finish if the second one takes them.
    os.kill(first.pid, signal.SIGSTOP)
    try:
        stopped_at = parts(out)
        cluster.worker("w2")
        wait_for(lambda: parts(out) >= stopped_at + 2, 60, "the worker that joined mid-sweep took no work")
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert proc.wait(timeout=120) == 0, err.read_text()
    assert "Traceback" not in err.read_text()
    counts = batches_run(cluster.address)
    assert counts["w1"] >= 1 and counts["w2"] >= 2 and counts["w1"] + counts["w2"] >= BATCHES, counts
    pd.testing.assert_frame_equal(rows(out), slow_reference)


def silent_server(held: list[socket.socket]) -> socket.socket:
    """A TCP port that accepts connections (into ``held``) and never says a word."""
    sock = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                held.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return sock


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"a dashboard\n")

    def log_message(self, *args) -> None:
        pass


def test_a_port_that_is_not_a_scheduler_fails_in_one_line(tmp_path):
    scenario = write(tmp_path / "small.yaml", SMALL)
    held: list[socket.socket] = []
    sock = silent_server(held)
    web = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    addresses = [f"tcp://127.0.0.1:{sock.getsockname()[1]}", f"tcp://127.0.0.1:{web.server_address[1]}"]
    procs = []
    try:
        t0 = time.monotonic()
        for i, address in enumerate(addresses):  # both at once: each waits out the same 20 s
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        str(ROOT / "simulate.py"),
                        "sweep",
                        str(scenario),
                        *ARGS,
                        "--scheduler",
                        address,
                        "--out",
                        str(tmp_path / f"sw{i}"),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=tmp_path,
                    start_new_session=True,
                )
            )
        results = [p.communicate(timeout=60) for p in procs]
        elapsed = time.monotonic() - t0
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=30)
        for s in [sock, *held]:
            s.close()
        web.shutdown()
        web.server_close()
    assert elapsed < 30
    for address, p, (_, stderr) in zip(addresses, procs, results, strict=True):
        assert p.returncode == 2, stderr
        assert stderr == f"error: --scheduler {address}: no Dask scheduler answered within 20 s\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["small.yaml"]  # nothing written


def test_a_scheduler_that_dies_mid_sweep_fails_in_one_line_and_resume_finishes(cluster, tmp_path, reference):
    scenario, out, err = write(tmp_path / "small.yaml", SMALL), tmp_path / "sw", tmp_path / "sweep.err"
    scheduler = cluster.scheduler()
    cluster.worker("w1")
    proc = sweep_process(scenario, out, cluster.address, err)
    cluster.procs.append(proc)
    wait_for(lambda: parts(out) >= 2 or proc.poll() is not None, 90, "the sweep did not start")
    cluster.kill(scheduler)
    assert proc.wait(timeout=60) == 2
    message = err.read_text()
    match = re.fullmatch(
        rf"error: the Dask scheduler at {cluster.address} went away after (\d+) of {BATCHES} "
        r"batches; run again with --resume to continue\n",
        message,
    )
    assert match, message
    assert int(match[1]) == parts(out) < BATCHES
    again = subprocess.run(
        [
            sys.executable,
            str(ROOT / "simulate.py"),
            "sweep",
            str(scenario),
            *ARGS,
            "--workers",
            "1",
            "--out",
            str(out),
            "--resume",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(rows(out), reference)
