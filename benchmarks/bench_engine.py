"""Engine benchmark: throughput against the obvious model and against bare numpy draws, and
peak memory as replications grow.  Prints numbers; asserts nothing.

    python benchmarks/bench_engine.py            # full run (a few minutes)
    python benchmarks/bench_engine.py --quick    # smaller sizes, for a smoke test
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import sim
from sim import engine as eng
from sim.engine import Engine
from sim.measures import QuantileRecorder
from sim.plan import compile_plan
from sim.reference import run_reference
from sim.streams import blocks_for

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "kursk-baseline.yaml"


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def engine_run(s, reps: int, seed: int = 1, blocks=None) -> None:
    plan = compile_plan(s)
    Engine(plan, seed, blocks or blocks_for(reps), [QuantileRecorder(plan.days)]).run()


def _half(args) -> float:
    s, blocks = args
    t = time.perf_counter()
    Engine(compile_plan(s), 1, blocks, [QuantileRecorder(compile_plan(s).days)]).run()
    return time.perf_counter() - t


def record_draws(s, reps: int) -> list[tuple[str, tuple]]:
    """Every random draw the engine makes in one run, with its arguments."""
    tape: list[tuple[str, tuple]] = []
    original = eng.Streams.draw

    def recording(self, method, *args):
        tape.append((method, tuple(np.copy(a) if np.ndim(a) else a for a in args)))
        return original(self, method, *args)

    eng.Streams.draw = recording
    try:
        engine_run(s, reps)
    finally:
        eng.Streams.draw = original
    return tape


def replay(tape, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for method, args in tape:
        getattr(rng, method)(*args)


def peak_memory(s, reps: int) -> float:
    gc.collect()
    tracemalloc.start()
    sim.run(s, reps=reps, seed=1, samples=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    s = sim.load_scenario(SCENARIO)
    days = s.days
    reps = 2_000 if a.quick else 10_000
    ref_reps = 20 if a.quick else 100
    print(f"scenario: {s.name} ({days} days; wounded return, died-of-wounds and evacuation delays, disease on)")

    t_eng = timed(lambda: engine_run(s, reps), repeat=1 if a.quick else 2)
    t_ref = timed(lambda: run_reference(s, ref_reps, 1))
    eng_rate, ref_rate = reps * days / t_eng, ref_reps * days / t_ref
    print(f"engine     {reps:>7,} reps  {t_eng:7.2f} s  {eng_rate / 1e6:6.2f} M replication-days/s")
    print(f"reference  {ref_reps:>7,} reps  {t_ref:7.2f} s  {ref_rate / 1e6:6.3f} M replication-days/s")
    print(f"engine / reference: {eng_rate / ref_rate:6.1f}x")

    halves = [blocks_for(reps)[0::2], blocks_for(reps)[1::2]]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_half, [(s, halves[0][:1])] * 2))  # warm the workers up
        t = time.perf_counter()
        list(pool.map(_half, [(s, h) for h in halves]))
        t_two = time.perf_counter() - t
    print(f"engine on 2 processes (blocks split between them): {reps * days / t_two / 1e6:6.2f} M replication-days/s")

    t_run1 = timed(lambda: sim.run(s, reps=reps, seed=1))
    t_run2 = timed(lambda: sim.run(s, reps=reps, seed=1, workers=2))
    print(
        f"sim.run with quantiles, 1 process {t_run1:.2f} s; workers=2 in lock step {t_run2:.2f} s "
        f"({t_run1 / t_run2:.2f}x; the parent summarises every day)"
    )

    floor_reps = reps
    tape = record_draws(s, floor_reps)
    t_floor = timed(lambda: replay(tape), repeat=2)
    t_eng2 = timed(lambda: engine_run(s, floor_reps), repeat=2)
    n_numbers = sum(np.broadcast(*args).size for _, args in tape)
    print(
        f"bare numpy draws ({len(tape):,} calls, {n_numbers / 1e6:.1f} M numbers, {floor_reps:,} reps): "
        f"{t_floor:.2f} s; engine {t_eng2:.2f} s; engine / bare draws = {t_eng2 / t_floor:.2f}x"
    )
    tape.clear()

    sizes = (2_000, 20_000) if a.quick else (10_000, 100_000)
    peaks = {r: peak_memory(s, r) for r in sizes}
    for r, mb in peaks.items():
        product = r * days * len(sim.MEASURES) * 8 / 2**20
        print(f"peak memory {r:>7,} reps: {mb:8.1f} MiB  (all trajectories would take {product:9.1f} MiB)")
    r0, r1 = sizes
    print(
        f"peak grows {peaks[r1] / peaks[r0]:.1f}x for {r1 // r0}x the replications "
        f"({(peaks[r1] - peaks[r0]) / (r1 - r0) * 2**20:.0f} bytes per added replication, "
        f"{(peaks[r1] - peaks[r0]) / (r1 - r0) * 2**20 / days:.1f} per replication-day)"
    )


if __name__ == "__main__":
    main()
