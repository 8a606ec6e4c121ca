"""Sampler benchmark: time per draw of numpy's ``Generator.binomial`` and ``Generator.poisson``
against the compiled samplers of :mod:`sim.samplers`, with the model's typical arguments; the
compile time of a first call and the load time of the compiled code cached on disk.  Prints
numbers; asserts nothing.

    python benchmarks/bench_samplers.py            # 10 million draws per method
    python benchmarks/bench_samplers.py --quick    # 1 million, for a smoke test
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable

import numpy as np
from numba import njit

from sim import samplers as S

#: Replications per engine block: the engine calls numpy once per block and flow.
BLOCK = 1000

FIRST_CALL = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import numpy as np
    from sim import samplers as S
    t1 = time.perf_counter()
    rng = np.random.default_rng(1)
    S.binomial(rng, 100, 0.01)
    S.binomial(rng, 10_000, 0.3)
    S.binomial_array(rng, np.array([10, 20]), np.array([0.1, 0.2]), np.empty(2, np.int64))
    S.binomial_prepared(rng, 100, S.binomial_constants(0.2))
    S.poisson(rng, 3.0)
    S.negative_binomial(rng, 2.0, 0.3)
    S.hypergeometric(rng, 1000, 2000, 500)
    t2 = time.perf_counter()
    print(t1 - t0, t2 - t1)
    """
)


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best CPU seconds of ``repeat`` runs (CPU time: other work on a shared machine inflates wall time)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


@njit(cache=True)
def _numba_poisson_array(rng, lam, out):
    for i in range(lam.shape[0]):
        out[i] = S.poisson(rng, lam[i])
    return out


@njit(cache=True)
def _numba_plain_by_replication(rng, n, p, out):
    for i in range(n.shape[0]):
        out[i] = S.binomial(rng, n[i], p[i % p.shape[0]])
    return out


@njit(cache=True)
def _numba_prepared_by_replication(rng, n, p, out):
    # One probability per replication, prepared once and used for all its days, as a kernel would.
    c = [S.binomial_constants(x) for x in p]
    for i in range(n.shape[0]):
        out[i] = S.binomial_prepared(rng, n[i], c[i % p.shape[0]])
    return out


@njit(cache=True)
def _numba_builtin_binomial(rng, n, p, out):
    for i in range(n.shape[0]):
        out[i] = rng.binomial(n[i], p[i])
    return out


@njit(cache=True)
def _numba_builtin_poisson(rng, lam, out):
    for i in range(lam.shape[0]):
        out[i] = rng.poisson(lam[i])
    return out


def _numpy_per_call(method: Callable, a: np.ndarray, b: np.ndarray | None = None) -> None:
    if b is None:
        for x in a.tolist():
            method(x)
    else:
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            method(x, y)


def _numpy_per_block(method: Callable, *args: np.ndarray) -> None:
    for start in range(0, args[0].size, BLOCK):
        method(*(a[start : start + BLOCK] for a in args))


def compile_and_load() -> tuple[float, float, float, float]:
    """(import, first calls) seconds with an empty cache, then with the cache it wrote."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        run = [sys.executable, "-c", FIRST_CALL]
        cold = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.split()
        warm = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.split()
    return float(cold[0]), float(cold[1]), float(warm[0]), float(warm[1])


class Table:
    """Rows of time per draw, with each row's speed-up over numpy one call per draw and one call
    per engine block."""

    def __init__(self, title: str):
        print(f"\n{title}")
        print(f"  {'':<60s}{'ns/draw':>9s}{'vs call':>9s}{'vs block':>9s}")
        self.per_call = self.per_block = math.nan

    def row(self, label: str, seconds: float, draws: int) -> float:
        ns = seconds / draws * 1e9
        bases = (self.per_call, self.per_block)
        ratios = "".join(" " * 9 if math.isnan(base) else f"{base / ns:8.1f}x" for base in bases)
        print(f"  {label:<60s}{ns:9.1f}{ratios}")
        return ns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="1 million draws")
    args = parser.parse_args()
    draws = 1_000_000 if args.quick else args.draws
    # Python-level loops: fewer draws, the time per draw is what matters.
    per_call = min(draws, 2_000_000)
    from_python = 20_000

    cold_import, cold_calls, warm_import, warm_calls = compile_and_load()
    print("compile and load (fresh processes, every sampler called once)")
    print(f"  empty cache:  import {cold_import:6.2f} s, first calls (compile) {cold_calls:6.2f} s")
    print(f"  cached:       import {warm_import:6.2f} s, first calls (load)    {warm_calls:6.2f} s")

    gen = np.random.default_rng(2024)
    n = np.rint(np.exp(gen.uniform(np.log(200), np.log(10_000), draws))).astype(np.int64)
    p = np.exp(gen.uniform(np.log(1e-4), np.log(0.3), draws))
    lam = np.exp(gen.uniform(np.log(0.01), np.log(1000.0), draws))
    reps = p[:BLOCK]
    out = np.empty(draws, np.int64)
    rng = np.random.default_rng(1)

    # Compile (or load) everything before timing.
    S.binomial_array(rng, n[:10], p[:10], out[:10])
    _numba_plain_by_replication(rng, n[:10], p[:5], out[:10])
    _numba_prepared_by_replication(rng, n[:10], p[:5], out[:10])
    _numba_builtin_binomial(rng, n[:10], p[:10], out[:10])
    _numba_poisson_array(rng, lam[:10], out[:10])
    _numba_builtin_poisson(rng, lam[:10], out[:10])
    S.binomial(rng, 10, 0.1)

    t = Table(
        f"binomial: {draws:,} draws, n log-uniform on [200, 10000], p log-uniform on [1e-4, 0.3] "
        f"(mean n*p {np.mean(n * p):.0f}; {np.mean(n * p < S.INVERSION_MAX_MEAN):.0%} by inversion)"
    )
    t.per_call = t.row(
        f"numpy Generator.binomial, one call per draw ({per_call:,})",
        timed(lambda: _numpy_per_call(rng.binomial, n[:per_call], p[:per_call]), 1),
        per_call,
    )
    t.per_block = t.row(
        f"numpy Generator.binomial, one call per {BLOCK} (engine block)",
        timed(lambda: _numpy_per_block(rng.binomial, n, p)),
        draws,
    )
    t.row("numpy Generator.binomial, one call for all", timed(lambda: rng.binomial(n, p)), draws)
    t.row("numba binomial_array", timed(lambda: S.binomial_array(rng, n, p, out)), draws)
    t.row(
        "numba's own Generator.binomial in a compiled loop",
        timed(lambda: _numba_builtin_binomial(rng, n, p, out)),
        draws,
    )
    t.row(
        f"numba binomial, one p per replication ({BLOCK})",
        timed(lambda: _numba_plain_by_replication(rng, n, reps, out)),
        draws,
    )
    t.row(
        f"numba binomial_prepared, one p per replication ({BLOCK})",
        timed(lambda: _numba_prepared_by_replication(rng, n, reps, out)),
        draws,
    )
    t.row(
        f"numba binomial called from Python per draw ({from_python:,})",
        timed(lambda: _numpy_per_call(lambda a, b: S.binomial(rng, a, b), n[:from_python], p[:from_python]), 1),
        from_python,
    )

    t = Table(
        f"poisson: {draws:,} draws, lam log-uniform on [0.01, 1000] "
        f"({np.mean(lam < S.INVERSION_MAX_MEAN):.0%} by inversion)"
    )
    t.per_call = t.row(
        f"numpy Generator.poisson, one call per draw ({per_call:,})",
        timed(lambda: _numpy_per_call(rng.poisson, lam[:per_call]), 1),
        per_call,
    )
    t.per_block = t.row(
        f"numpy Generator.poisson, one call per {BLOCK} (engine block)",
        timed(lambda: _numpy_per_block(rng.poisson, lam)),
        draws,
    )
    t.row("numpy Generator.poisson, one call for all", timed(lambda: rng.poisson(lam)), draws)
    t.row("numba poisson in a compiled loop", timed(lambda: _numba_poisson_array(rng, lam, out)), draws)
    t.row(
        "numba's own Generator.poisson in a compiled loop",
        timed(lambda: _numba_builtin_poisson(rng, lam, out)),
        draws,
    )
    print("\n(best CPU time of 3 runs, 1 for Python-level loops)")


if __name__ == "__main__":
    main()
