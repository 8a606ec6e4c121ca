"""Engine benchmark: throughput of the compiled daily step on one and two threads, against the
obvious model and against numpy drawing the same count of binomials; the first call in a fresh
process (compiling, then loading the compiled code from the cache); peak memory as replications
grow.  Prints numbers; asserts nothing.

    python benchmarks/bench_engine.py            # full run (a few minutes)
    python benchmarks/bench_engine.py --quick    # smaller sizes, for a smoke test
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import sim
from sim.engine import Engine
from sim.plan import compile_plan
from sim.reference import run_reference
from sim.streams import blocks_for

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "kursk-baseline.yaml"

#: The binomial draws of one replication-day of the Kursk baseline in combat, with typical
#: arguments: combat losses, the split (killed, missing, returning, dying of wounds), the
#: wounded and sick waiting past their queues, disease, the sick who recover.
TYPICAL_DRAWS = (
    (10_000, 0.0075),
    (75, 0.14),
    (65, 0.005),
    (65, 0.35),
    (42, 0.077),
    (300, 1 / 15),
    (10_000, 0.0003),
    (3, 0.9),
    (21, 1 / 7),
)


#: The baseline with every new kind of intensity on: day-to-day variation of the combat rate, a
#: trend, and a mass-casualty event about once a month.
FEATURES = [
    "postures.combat.daily_cv=0.5",
    "postures.combat.trend=0.9",
    "mass_casualty=[{name: barrage, per_30_days: 1, size: {triangular: [10, 25, 60]}, killed: 0.4}]",
]
#: The baseline facing an opponent: 20,000 defenders losing by Lanchester's square law to the
#: force's people on duty, the force's combat losses by its own law as before.
OPPONENT = [
    "opponent={name: defenders, units: [{name: defence, arrive: 2024-10-01, size: 20000}],"
    " postures: {holding: {lanchester: {law: square, coefficient: 0.0004}}},"
    " wounded: {return_to_duty: 0.3, recovery_days: {mean: 20, min: 5}}}"
]
#: Iwo Jima with Engel's coefficients: two sides, both by the square law, drawn.
IWO_JIMA = ROOT / "scenarios" / "iwo-jima" / "iwo-jima-1945.yaml"
ENGEL = ["postures.ashore.lanchester.coefficient=0.0544", "opponent.postures.entrenched.lanchester.coefficient=0.0106"]
FIXED_DATES = [
    "phases=[{from: 2024-11-20, posture: rear}, {from: 2024-12-06, posture: combat},"
    " {from: 2025-01-16, posture: withdrawn}, {from: 2025-02-06, posture: combat}]"
]


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def numpy_draws(reps: int, days: int) -> None:
    """numpy drawing as many binomials as the step does, a block of 1,000 replications per call."""
    rng = np.random.default_rng(1)
    block = min(reps, 1000)
    args = [(np.full(block, n), np.full(block, p)) for n, p in TYPICAL_DRAWS]
    for _ in range(days * (reps // block)):
        for n, p in args:
            rng.binomial(n, p)


def fresh_process(cache: str) -> float:
    """Seconds from a new process's first ``sim.run`` call to its result (100 replications)."""
    code = (
        f"import time, sim; s = sim.load_scenario({str(SCENARIO)!r}); t = time.perf_counter(); "
        "sim.run(s, reps=100, seed=1); print(time.perf_counter() - t)"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def peak_rss(reps: int) -> tuple[float, float]:
    """Peak resident memory (MiB) of a process running ``reps`` replications, and of one that
    only loaded the package and ran 100 (the interpreter, numpy, numba and the compiled code)."""
    code = (
        f"import resource, sim; s = sim.load_scenario({str(SCENARIO)!r}); sim.run(s, reps=100, seed=1); "
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
        f"sim.run(s, reps={reps}, seed=1, samples=0); "
        "print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    base, peak = (int(x) / 1024 for x in out.stdout.split())
    return base, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    s = sim.load_scenario(SCENARIO)
    plan = compile_plan(s)
    days = s.days
    reps = 4_000 if a.quick else 20_000
    ref_reps = 20 if a.quick else 100
    repeat = 1 if a.quick else 3
    print(f"scenario: {s.name} ({days} days; wounded return, died-of-wounds and evacuation delays, disease on)")
    print(f"machine: {os.cpu_count()} CPUs; numba threads are not used, the engine's own threads share out blocks")
    sim.run(s, reps=100, seed=1)  # compile or load the step

    def rate(t: float, n: int = reps) -> float:
        return n * days / t / 1e6

    t_step = timed(lambda: Engine(plan, 1, blocks_for(reps)).run(), repeat)
    t_run1 = timed(lambda: sim.run(s, reps=reps, seed=1), repeat)
    t_run2 = timed(lambda: sim.run(s, reps=reps, seed=1, workers=2), repeat)
    print(f"step alone, 1 thread      {reps:>7,} reps  {t_step:6.2f} s  {rate(t_step):5.2f} M replication-days/s")
    print(f"sim.run with quantiles, 1 {reps:>7,} reps  {t_run1:6.2f} s  {rate(t_run1):5.2f} M replication-days/s")
    print(
        f"sim.run with quantiles, 2 {reps:>7,} reps  {t_run2:6.2f} s  {rate(t_run2):5.2f} M replication-days/s"
        f"  ({t_run1 / t_run2:.2f}x one thread)"
    )

    heavy = sim.load_scenario(SCENARIO, FEATURES)
    sim.run(heavy, reps=100, seed=1)
    t_heavy = timed(lambda: sim.run(heavy, reps=reps, seed=1), repeat)
    print(
        f"sim.run, 1 thread, with a daily variation, a trend and a barrage a month  {t_heavy:6.2f} s  "
        f"{rate(t_heavy):5.2f} M replication-days/s"
    )

    two_sides = sim.load_scenario(SCENARIO, OPPONENT)
    sim.run(two_sides, reps=100, seed=1)
    t_two = timed(lambda: sim.run(two_sides, reps=reps, seed=1), repeat)
    t_two2 = timed(lambda: sim.run(two_sides, reps=reps, seed=1, workers=2), repeat)
    print(
        f"sim.run, the baseline against an opponent (two sides, square law), 1 thread  {t_two:6.2f} s  "
        f"{rate(t_two):5.2f} M replication-days/s ({t_two / t_run1:.2f}x the time of one side); "
        f"2 threads {rate(t_two2):5.2f} M/s"
    )
    iwo = sim.load_scenario(IWO_JIMA, ENGEL)
    iwo_reps = reps * 5
    t_iwo = timed(lambda: sim.run(iwo, reps=iwo_reps, seed=1), repeat)
    print(
        f"sim.run, Iwo Jima (two sides, square laws both ways, {iwo.days} days), 1 thread, {iwo_reps:,} reps  "
        f"{t_iwo:6.2f} s  {iwo_reps * iwo.days / t_iwo / 1e6:5.2f} M replication-days/s"
    )

    # The reference model takes fixed dates: the baseline's pullback and return on their likeliest days.
    s = sim.load_scenario(SCENARIO, FIXED_DATES)
    t_ref = timed(lambda: run_reference(s, ref_reps, 1))
    ref_rate = rate(t_ref, ref_reps)
    print(f"reference model           {ref_reps:>7,} reps  {t_ref:6.2f} s  {ref_rate:5.3f} M replication-days/s")
    one, two = rate(t_run1) / ref_rate, rate(t_run2) / ref_rate
    print(f"sim.run against the reference: {one:6.1f}x on 1 thread, {two:6.1f}x on 2")

    t_np = timed(lambda: numpy_draws(reps, days), repeat)
    n_draws = len(TYPICAL_DRAWS) * reps * days
    print(
        f"numpy alone, {len(TYPICAL_DRAWS)} binomials a replication-day ({n_draws / 1e6:.0f} M draws): {t_np:.2f} s "
        f"({t_np / n_draws * 1e9:.0f} ns a draw); sim.run (1 thread) is {t_np / t_run1:.2f}x faster"
    )

    with tempfile.TemporaryDirectory() as cache:
        first = fresh_process(cache)
        second = fresh_process(cache)
    print(f"first sim.run in a fresh process: {first:.2f} s compiling; {second:.2f} s with the compiled code cached")

    sizes = (10_000, 100_000) if not a.quick else (2_000, 20_000)
    for r in sizes:
        base, peak = peak_rss(r)
        product = r * days * len(sim.MEASURES) * 8 / 2**20
        print(
            f"peak memory {r:>7,} reps: {peak - base:7.1f} MiB above the loaded package ({base:.0f} MiB)"
            f"  (all trajectories would take {product:8.1f} MiB)"
        )


if __name__ == "__main__":
    main()
