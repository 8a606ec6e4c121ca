"""``calibrate(scenario, estimates, fit) -> Calibration``: fit parameters to reported figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .. import __version__
from ..estimates import Estimates, estimates_for, load_estimates
from ..loading import load_scenario
from ..parallel import check_workers
from ..rules import check_run_size
from ..scenario import Scenario
from ..streams import BLOCK, generator
from .observations import select
from .posterior_fit import Calibration
from .priors import CalibrationError, priors_for
from .sampler import LogPosterior, Simulator, run_ensemble


def _check_settings(walkers: int, steps: int, burn: int, reps: int, workers: int, ndim: int) -> None:
    if walkers < max(4, 2 * ndim):
        raise CalibrationError(
            "--walkers",
            "",
            f"must be at least {max(4, 2 * ndim)} (4, and twice the {ndim} fitted "
            f"parameter{'s' * (ndim != 1)}); got {walkers}",
        )
    if walkers > 10_000:
        raise CalibrationError("--walkers", "", f"must be at most 10,000 (got {walkers:,})")
    if not 2 <= steps <= 1_000_000:
        raise CalibrationError("--steps", "", f"must be between 2 and 1,000,000 (got {steps})")
    if not 0 <= burn < steps:
        raise CalibrationError("--burn", "", f"must be at least 0 and below steps ({steps}); got {burn}")
    check_workers(workers)
    if not 2 <= reps <= BLOCK:
        raise CalibrationError("--reps", "", f"replications per walker must be between 2 and {BLOCK} (got {reps})")


def calibrate(
    scenario: Scenario | str | Path,
    estimates: Estimates | str | Path | None = None,
    fit: list[str] | tuple[str, ...] = (),
    *,
    until: dt.date | str | None = None,
    walkers: int = 32,
    steps: int = 500,
    burn: int | None = None,
    reps: int = 64,
    seed: int | None = None,
    exclude: tuple[str, ...] | list[str] = (),
    kinds: tuple[str, ...] | list[str] = (),
    workers: int = 1,
    on_step=None,
) -> Calibration:
    """Fit scenario parameters to the reported figures dated up to a cut-off.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario; each fitted parameter must be a distribution in it (its prior).
    estimates : Estimates or path, optional
        The reported figures (default: the file the scenario names, when it is given as a path).
    fit : list of str
        Field paths of the parameters to fit (``postures.combat.daily_rate``).
    until : date or ISO string, optional
        Use reports dated on or before this date (default: the scenario's end).
    walkers, steps, burn : int
        emcee walkers, steps per walker, and first steps discarded (default: half the steps).
    reps : int
        Replications simulated for each walker's parameters at each step.
    seed : int, optional
        Seed of everything random (default: the scenario's seed).
    exclude : list of str
        Ids of reports not to fit (e.g. a total that only sums two other reports).
    kinds : list of str
        Fit only reports of these kinds (``casualties``, ``killed``...; default: every kind
        that is a model measure).
    workers : int
        Processes that share the simulations (the result is the same for any number).
    on_step : callable, optional
        Called after each step (progress bars).

    Returns
    -------
    Calibration

    Raises
    ------
    CalibrationError
        Bad fitted paths, cut-off, reports or sampler settings (one-line message).
    """
    source = str(scenario) if not isinstance(scenario, Scenario) else f"<scenario {scenario.name}>"
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    est_source, est = _estimates(scenario, s, estimates, source)
    cutoff = _cutoff(until, s)
    priors = priors_for(s, list(fit), source)
    burn = steps // 2 if burn is None else int(burn)
    _check_settings(walkers, steps, burn, reps, workers, len(priors))
    seed = s.seed if seed is None else int(seed)
    check_run_size(seed=seed)
    obs, left_out = select(est, s, cutoff, tuple(exclude), tuple(kinds), est_source)
    fit_end = max(o.last for o in obs)
    rng = generator(seed, "calibration.start")
    start = np.column_stack([p.sample(rng, walkers) for p in priors])
    # The fit needs the reported measures only: no thresholds or claims to track, no days after
    # the last report.
    cut = s.model_copy(update={"end": fit_end, "thresholds": {}, "claims": []})
    with Simulator(cut, priors, obs, reps, seed, workers) as simulator:
        log_post = LogPosterior(priors, simulator)
        chain, log_prob, acceptance = run_ensemble(log_post, start, steps, seed, on_step)
    return Calibration(
        scenario=s,
        source=source,
        estimates=est,
        estimates_source=est_source,
        priors=priors,
        observations=obs,
        left_out=left_out,
        until=cutoff,
        seed=seed,
        walkers=walkers,
        steps=steps,
        burn=burn,
        reps=reps,
        chain=chain,
        log_prob=log_prob,
        acceptance=acceptance,
        version=__version__,
        kinds=tuple(kinds),
        exclude=tuple(exclude),
    )


def _estimates(
    scenario: Scenario | str | Path, s: Scenario, estimates: Estimates | str | Path | None, source: str
) -> tuple[str, Estimates]:
    """The reported figures to fit and where they came from: those given, else the file the
    scenario names (relative to the scenario's file)."""
    if estimates is None:
        if not s.estimates:
            raise CalibrationError(source, "estimates", "give an estimates file (the scenario names none)")
        if isinstance(scenario, Scenario):
            raise CalibrationError(
                source,
                "estimates",
                "give the estimates file: the scenario names one "
                "relative to its own file, which a loaded scenario lacks",
            )
        return str(Path(scenario).parent / s.estimates), estimates_for(scenario, s.estimates)
    if isinstance(estimates, Estimates):
        return f"<estimates {estimates.case}>", estimates
    return str(estimates), load_estimates(estimates)


def _cutoff(until: dt.date | str | None, s: Scenario) -> dt.date:
    if until is None:
        return s.end
    if isinstance(until, str):
        try:
            until = dt.date.fromisoformat(until)
        except ValueError:
            raise CalibrationError("--until", "", f"{until!r} is not a date (YYYY-MM-DD)") from None
    if not s.start <= until <= s.end:
        raise CalibrationError(
            "--until", "", f"must lie between the scenario's start and end ({s.start}..{s.end}); got {until}"
        )
    return until
