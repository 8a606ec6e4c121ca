"""Sweep benchmark: points per second on the Kursk baseline, one worker against two, the local
pool against a Dask LocalCluster, and the projected time of an 8-parameter Sobol sweep.
Prints numbers; asserts nothing (except that every backend gives the same rows).

    python benchmarks/bench_sweep.py                  # full run (several minutes on 2 cores)
    python benchmarks/bench_sweep.py --points 100     # smaller Latin hypercube, for a smoke test
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import pandas as pd

import sim
from sim.sweeps.backends import backend
from sim.sweeps.execution import run_sweep, tasks_for
from sim.sweeps.spec import make_sweep
from sim.sweeps.worker import run_batch

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "kursk-baseline.yaml"
#: Eight uncertain inputs of the baseline, each over a range around its reported value.
PARAMS = {
    "postures.combat.daily_rate": "0.004:0.012",
    "postures.rear.daily_rate": "0.0001:0.001",
    "postures.withdrawn.daily_rate": "0.0:0.0005",
    "casualties.killed": "0.08:0.25",
    "wounded.return_to_duty": "0.1:0.6",
    "wounded.recovery_days.mean": "10:40",
    "units.wave-2.size": "7000:9000",
    "disease.daily_rate": "0.0:0.001",
}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def lhs(scenario, points: int, reps: int, workers: int = 1, cluster: int = 0) -> tuple[pd.DataFrame, float, float]:
    """A Latin-hypercube sweep; returns its rows, wall time and CPU time (workers included)."""
    sw = make_sweep(scenario, params=PARAMS, design="lhs", n=points, reps=reps, seed=1)
    cpu = cpu_seconds()
    if cluster:
        with dask_cluster(cluster) as c:
            t = time.perf_counter()
            frame = run_sweep(sw, scheduler=c.scheduler_address)
            wall = time.perf_counter() - t
    else:
        t = time.perf_counter()
        frame = run_sweep(sw, workers=workers)
        wall = time.perf_counter() - t
    return frame, wall, cpu_seconds() - cpu


def dask_cluster(workers: int):
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )


def sobol_projection(
    scenario, reps: int, fraction: float, workers: int, orders: tuple[bool, ...] = (False, True)
) -> None:
    """Run the first ``fraction`` of the Sobol sweep's batches and extrapolate."""
    for second in orders:
        sw = make_sweep(scenario, params=PARAMS, design="sobol", n=512, second_order=second, reps=reps, seed=1)
        tasks = tasks_for(sw, sw.design_frame())
        m = max(2 * workers, round(fraction * len(tasks)))
        be = backend(workers)
        try:
            t = time.perf_counter()
            points = sum(len(r["columns"]["point"]) for r in be.map(run_batch, tasks[:m]))
            elapsed = time.perf_counter() - t
        finally:
            be.close()
        rate = points / elapsed
        whole = m == len(tasks)
        print(
            f"  sobol N=512, 8 parameters, second order {'on ' if second else 'off'}: {sw.points:,} points "
            f"x {reps} reps; ran {points:,} points ({points / sw.points:.0%}, {m} of {len(tasks)} batches) "
            f"in {elapsed:.1f} s on {workers} workers = {rate:.2f} points/s -> "
            + (
                f"the whole sweep took {elapsed / 60:.1f} min (measured)"
                if whole
                else f"projected {sw.points / rate / 60:.1f} min for the whole sweep (extrapolated)"
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000, help="Latin-hypercube points [1000]")
    ap.add_argument("--reps", type=int, default=200, help="replications a point [200]")
    ap.add_argument("--fraction", type=float, default=0.1, help="share of the Sobol sweep to run [0.1]")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    ap.add_argument("--no-lhs", action="store_true", help="skip the Latin-hypercube comparison")
    ap.add_argument(
        "--sobol",
        choices=("first", "second", "both"),
        default="both",
        help="Sobol sweeps to project: second-order indices off, on, or both [both]",
    )
    args = ap.parse_args()
    cpus = len(os.sched_getaffinity(0))
    s = sim.load_scenario(SCENARIO)  # once: every sweep below runs this very scenario
    print(
        f"sim {sim.__version__}, {cpus} cores; scenario {s.name} ({s.days} days), {len(PARAMS)} parameters, "
        f"{args.reps} replications a point"
    )
    print(
        "Other work on the machine slows every figure; the load average before each run and the CPU "
        "time used (workers included) are shown to judge it."
    )

    if not args.no_lhs:
        compare_backends(s, args)
    print(
        f"Sobol sweeps (the first {args.fraction:.0%} of the batches; extrapolated unless that is all of "
        f"them; load before {os.getloadavg()[0]:.1f}):"
    )
    orders = {"first": (False,), "second": (True,), "both": (False, True)}[args.sobol]
    sobol_projection(s, args.reps, args.fraction, workers=min(2, cpus), orders=orders)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def compare_backends(s, args) -> None:
    """The Latin hypercube on 1 and 2 local workers and on a Dask LocalCluster."""
    rep_days = args.points * args.reps * s.days
    print(f"Latin hypercube, {args.points:,} points:")
    frames, times = {}, {}
    runs = [("1 worker (this process)", {"workers": 1}), ("2 workers (local pool)", {"workers": 2})]
    if not args.no_dask:
        runs.append(("Dask LocalCluster (2 procs)", {"cluster": 2}))
    for label, kw in runs:
        load = os.getloadavg()[0]
        frames[label], wall, cpu = lhs(s, args.points, args.reps, **kw)
        times[label] = wall
        print(
            f"  {label:<28} {wall:7.1f} s  {args.points / wall:6.2f} points/s  "
            f"{rep_days / wall / 1e6:5.2f} M replication-days/s  (CPU {cpu:6.1f} s = {cpu / wall:4.2f} cores busy, "
            f"{args.points / cpu:5.2f} points per CPU-second; load before {load:.1f})"
        )
    t1, t2 = times["1 worker (this process)"], times["2 workers (local pool)"]
    print(f"  speed-up of 2 workers over 1: {t1 / t2:.2f}x (linear would be 2x)")
    if "Dask LocalCluster (2 procs)" in times:
        print(
            f"  Dask LocalCluster against the local pool: {t2 / times['Dask LocalCluster (2 procs)']:.2f}x "
            "the pool's speed"
        )
    first = next(iter(frames.values()))
    same = all(f.equals(first) for f in frames.values())
    print(f"  identical rows across backends and worker counts: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
