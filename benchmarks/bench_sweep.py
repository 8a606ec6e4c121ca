"""Sweep benchmark: points per second on the Kursk baseline, one worker against two, the local
pool against a Dask LocalCluster, and the projected time of an 8-parameter Sobol sweep.
Prints numbers; asserts nothing (except that every backend gives the same rows).

    python benchmarks/bench_sweep.py                  # full run (several minutes on 2 cores)
    python benchmarks/bench_sweep.py --points 100     # smaller Latin hypercube, for a smoke test
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

import sim
from sim.sweep_backends import backend
from sim.sweep_runner import run_sweep, tasks_for
from sim.sweep_spec import make_sweep
from sim.sweep_worker import run_batch

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


def lhs(points: int, reps: int, workers: int = 1, scheduler: str | None = None) -> tuple[pd.DataFrame, float]:
    sw = make_sweep(SCENARIO, params=PARAMS, design="lhs", n=points, reps=reps, seed=1)
    t = time.perf_counter()
    frame = run_sweep(sw, workers=workers, scheduler=scheduler)
    return frame, time.perf_counter() - t


def dask_cluster(workers: int):
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, silence_logs=40)


def sobol_projection(reps: int, fraction: float, workers: int) -> None:
    """Run the first ``fraction`` of the Sobol sweep's batches and extrapolate."""
    for second in (False, True):
        sw = make_sweep(SCENARIO, params=PARAMS, design="sobol", n=512, second_order=second, reps=reps, seed=1)
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
        print(f"  sobol N=512, 8 parameters, second order {'on ' if second else 'off'}: {sw.points:,} points "
              f"x {reps} reps; ran {points:,} points ({points / sw.points:.0%}, {m} of {len(tasks)} batches) "
              f"in {elapsed:.1f} s on {workers} workers = {rate:.2f} points/s -> projected "
              f"{sw.points / rate / 60:.1f} min for the whole sweep (extrapolated)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000, help="Latin-hypercube points [1000]")
    ap.add_argument("--reps", type=int, default=200, help="replications a point [200]")
    ap.add_argument("--fraction", type=float, default=0.1, help="share of the Sobol sweep to run [0.1]")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = ap.parse_args()
    cpus = len(os.sched_getaffinity(0))
    s = sim.load_scenario(SCENARIO)
    print(f"sim {sim.__version__}, {cpus} cores (load average {os.getloadavg()[0]:.1f} at the start: other "
          f"work on the machine slows every figure below); scenario {s.name} ({s.days} days), "
          f"{len(PARAMS)} parameters, {args.reps} replications a point")
    rep_days = args.points * args.reps * s.days

    print(f"Latin hypercube, {args.points:,} points:")
    frames, times = {}, {}

    def report(label: str, frame: pd.DataFrame, elapsed: float) -> None:
        frames[label], times[label] = frame, elapsed
        print(f"  {label:<28} {elapsed:7.1f} s  {args.points / elapsed:6.2f} points/s  "
              f"{rep_days / elapsed / 1e6:5.2f} M replication-days/s")

    report("1 worker (this process)", *lhs(args.points, args.reps, workers=1))
    report("2 workers (local pool)", *lhs(args.points, args.reps, workers=2))
    if not args.no_dask:
        with dask_cluster(2) as cluster:
            report("Dask LocalCluster (2 procs)", *lhs(args.points, args.reps, scheduler=cluster.scheduler_address))
    t1, t2 = times["1 worker (this process)"], times["2 workers (local pool)"]
    print(f"  speed-up of 2 workers over 1: {t1 / t2:.2f}x (linear would be 2x)")
    if "Dask LocalCluster (2 procs)" in times:
        print(f"  Dask against the local pool: {t2 / times['Dask LocalCluster (2 procs)']:.2f}x the pool's speed")
    first = next(iter(frames.values()))
    same = all(f.equals(first) for f in frames.values())
    print(f"  identical rows across backends and worker counts: {'yes' if same else 'NO'}")
    print("Projection (a fraction of the batches, extrapolated):")
    sobol_projection(args.reps, args.fraction, workers=min(2, cpus))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
