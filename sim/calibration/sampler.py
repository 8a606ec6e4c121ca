"""The posterior: emcee's affine-invariant ensemble sampler on a synthetic likelihood.

For each walker's parameter vector the model runs ``reps`` replications up to the last
report.  Every walker uses the same random streams (the same seed and the same block of
replications, see :class:`sim.streams.Streams`): common random numbers, so the likelihood is
a smooth, repeatable function of the parameters and walkers differ because their parameters
differ, not by luck.  The parameters that are not fitted keep their prior and are drawn per
replication, identically for every walker: they are averaged over, not updated.

All the walkers that emcee moves at once are simulated in one engine call (or, with
``workers``, in one call per process: the figures do not depend on the split).
"""

from __future__ import annotations

import numpy as np

from ..engine import Engine
from ..parallel import Pool
from ..plan import Plan, compile_plan
from ..scenario import Scenario
from ..streams import BLOCK, sequence
from .observations import Observation, synthetic_log_likelihood
from .priors import Prior


class ReportRecorder:
    """Each report's measure, averaged over the report's days, per replication."""

    def __init__(self, obs: list[Observation], reps: int):
        self.obs = obs
        self.total = np.zeros((len(obs), reps))
        self.on_day: dict[int, list[int]] = {}
        for i, o in enumerate(obs):
            for d in range(o.first_day, o.last_day + 1):
                self.on_day.setdefault(d, []).append(i)

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        for i in self.on_day.get(day, ()):
            self.total[i] += m[self.obs[i].measure]

    def values(self) -> np.ndarray:
        """``(reports, reps)`` true figures."""
        days = np.array([o.last_day - o.first_day + 1 for o in self.obs], dtype=float)
        return self.total / days[:, None]


def simulate_figures(
    plan: Plan, paths: list[str], obs: list[Observation], reps: int, seed: int, theta: np.ndarray
) -> np.ndarray:
    """``(n, reps, reports)`` true figures for ``n`` parameter vectors ``theta (n, d)``, in
    one engine call.  Every vector gets the same block index, so the same random streams:
    vector ``i``'s figures depend on ``theta[i]`` only, not on the other vectors."""
    n = len(theta)
    values = {p: np.repeat(theta[:, j], reps) for j, p in enumerate(paths)}
    rec = ReportRecorder(obs, n * reps)
    Engine(plan, seed, [(0, reps)] * n, [rec], values=values).run()
    # Contiguous, like the parts that workers send back and that are joined: the likelihood's
    # sums then add in the same order, to the last bit, whichever way the figures were made.
    return np.ascontiguousarray(rec.values().T.reshape(n, reps, len(obs)))


_WORKER: dict = {}


def _worker_init(*args) -> None:
    _WORKER["args"] = args


def _worker_figures(theta: np.ndarray) -> np.ndarray:
    return simulate_figures(*_WORKER["args"], theta)


class Simulator:
    """Simulates the reported figures for many parameter vectors at once.

    Parameters
    ----------
    scenario : Scenario
        The scenario, already cut to end on the last report's date.
    priors : list of Prior
        The fitted parameters, in the column order of ``theta``.
    obs : list of Observation
        The reports.
    reps : int
        Replications per parameter vector (at most one block of random numbers).
    seed : int
        Seed of the common random numbers.
    workers : int
        Processes to share each batch of vectors (a :class:`sim.parallel.Pool`, started on
        entering the ``with`` block); the figures are the same for any number.
    """

    def __init__(
        self, scenario: Scenario, priors: list[Prior], obs: list[Observation], reps: int, seed: int, workers: int = 1
    ):
        if not 2 <= reps <= BLOCK:
            raise ValueError(f"reps per walker must be between 2 and {BLOCK}")
        self.args = (compile_plan(scenario), [p.path for p in priors], obs, reps, seed)
        self.obs, self.workers = obs, workers
        self.pool = None

    def __enter__(self) -> Simulator:
        if self.workers > 1:
            # Each worker holds the compiled plan and the reports from its start on.
            self.pool = Pool(self.workers, initializer=_worker_init, initargs=self.args)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def figures(self, theta: np.ndarray) -> np.ndarray:
        """``(n, reps, reports)`` true figures for ``n`` parameter vectors ``theta (n, d)``."""
        if self.pool is None or len(theta) < 2:
            return simulate_figures(*self.args, theta)
        parts = np.array_split(theta, min(self.workers, len(theta)))
        return np.concatenate(self.pool.map(_worker_figures, parts))

    def log_likelihood(self, theta: np.ndarray) -> np.ndarray:
        return synthetic_log_likelihood(np.log1p(self.figures(theta)), self.obs)


class LogPosterior:
    """``log prior + log synthetic likelihood`` for an array of parameter vectors (emcee's
    ``vectorize=True``); vectors outside the prior's support are not simulated."""

    def __init__(self, priors: list[Prior], simulator: Simulator):
        self.priors, self.simulator = priors, simulator

    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        return np.sum([p.logpdf(theta[:, j]) for j, p in enumerate(self.priors)], axis=0)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        lp = self.log_prior(theta)
        ok = np.isfinite(lp)
        if ok.any():
            lp[ok] += self.simulator.log_likelihood(theta[ok])
        return lp


def run_ensemble(log_post: LogPosterior, start: np.ndarray, steps: int, seed: int, on_step=None):
    """Run emcee from the walkers' starting points ``start (walkers, d)``.

    Returns
    -------
    chain : ndarray (steps, walkers, d)
    log_prob : ndarray (steps, walkers)
    acceptance : ndarray (walkers,)
    """
    import emcee

    walkers, ndim = start.shape
    sampler = emcee.EnsembleSampler(walkers, ndim, log_post, vectorize=True)
    state = emcee.State(
        start, random_state=np.random.RandomState(sequence(seed, "calibration.sampler").generate_state(4)).get_state()
    )
    for _ in sampler.sample(state, iterations=steps):
        if on_step is not None:
            on_step()
    chain, log_prob = sampler.get_chain(), sampler.get_log_prob()
    return chain, log_prob, sampler.acceptance_fraction
