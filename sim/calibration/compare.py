"""Comparing stories: several scenarios of one case, weighed by how well they predicted the
reports up to a cut-off, and combined into one projection.

The criterion is each scenario's marginal likelihood of the reports (its evidence): the
probability it gave, before seeing them, to what was then reported, under the observation
model of :mod:`.observations` (each report's error and its reporter's lean).  It is estimated
by Monte Carlo over the scenario's own runs: each replication draws its parameters from the
scenario's distributions and its day-to-day losses at random, and the evidence is the mean over
replications of the density of the reports given that replication's true figures.  The same
densities, normalised, weight the replications (importance sampling): the weighted runs are the
scenario's projection given the reports.  Scenarios are weighted by their evidence (equal prior
weights), and the combined projection is the mixture of their weighted runs.

When few replications carry the weight (a small effective sample size, reported), the scenario
rarely produces what was reported: its evidence is then small and imprecise, and its weighted
projection rests on few runs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..claims import claim_outcomes
from ..errors import InputError
from ..estimates import Estimates, estimates_for, load_estimates
from ..loading import load_scenario
from ..measures import QUANTILE_COLUMNS, QUANTILES
from ..results import Result
from ..runner import run
from ..scenario import Scenario
from .observations import select, synthetic_log_likelihood
from .sampler import ReportRecorder


@dataclass
class Story:
    """One scenario's run, with the weight of each replication given the reports."""

    scenario: Scenario
    result: Result
    log_density: np.ndarray  # (reps,) log density of the reports given each replication's figures
    reports: list[str]
    path: np.ndarray  # (reps, days) the projected measure of each replication

    @property
    def log_evidence(self) -> float:
        """log of the mean density of the reports over the replications."""
        m = float(self.log_density.max())
        return m + math.log(float(np.mean(np.exp(self.log_density - m))))

    @property
    def weights(self) -> np.ndarray:
        """Each replication's weight given the reports (summing to 1)."""
        w = np.exp(self.log_density - self.log_density.max())
        return w / w.sum()

    @property
    def ess(self) -> float:
        """Effective number of replications behind the weighted projection (Kish)."""
        w = self.weights
        return float(1.0 / np.sum(w**2))


class _Trajectory:
    """One measure of every replication on every day."""

    def __init__(self, measure: str, reps: int, days: int):
        self.measure = measure
        self.values = np.zeros((reps, days))

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        self.values[:, day] = m[self.measure]


def _story(
    s: Scenario,
    estimates: Estimates,
    until: dt.date,
    reps: int,
    seed: int | None,
    measure: str,
    kinds: tuple[str, ...],
    exclude: tuple[str, ...],
) -> Story:
    if measure not in s.measure_names:
        raise InputError("--measure", measure, f"not a measure of scenario {s.name!r}")
    obs, _ = select(estimates, s, until, exclude=exclude, kinds=kinds, source="--against")
    rec, path = ReportRecorder(obs, reps), _Trajectory(measure, reps, s.days)
    result = run(s, reps=reps, seed=s.seed if seed is None else seed, recorders=[rec, path], samples=0)
    figures = np.log1p(np.maximum(rec.values().T, 0.0))  # (reps, reports)
    # One replication's figures are known exactly: the reports' density given them is the
    # observation model alone (the synthetic likelihood with a single run has no model spread).
    log_density = synthetic_log_likelihood(figures[:, None, :], obs)
    return Story(s, result, log_density, [o.id for o in obs], path.values)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=QUANTILES) -> np.ndarray:
    """Quantiles of ``values`` (reps, days) with replication ``weights``, day by day."""
    order = np.argsort(values, axis=0, kind="stable")
    v = np.take_along_axis(values, order, axis=0)
    cw = np.cumsum(weights[order], axis=0)
    cw /= cw[-1]
    out = np.empty((values.shape[1], len(qs)))
    for j, q in enumerate(qs):
        idx = (cw < q).sum(axis=0)
        out[:, j] = v[np.minimum(idx, len(v) - 1), np.arange(values.shape[1])]
    return out


def compare(
    scenarios: list[Scenario | str | Path],
    estimates: Estimates | str | Path | None = None,
    *,
    until: dt.date | str,
    reps: int = 4000,
    seed: int | None = None,
    measure: str = "effective",
    kinds: tuple[str, ...] | list[str] = (),
    exclude: tuple[str, ...] | list[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Weigh scenarios by their evidence from the reports dated up to ``until`` (of the chosen
    ``kinds``, none ``exclude``d, as for calibration) and combine them.

    Returns
    -------
    (DataFrame, DataFrame, DataFrame)
        Per scenario: ``scenario, reports, log_evidence, weight, ess`` and each claim's
        probability before (``p:<claim>``) and after (``p_given_reports:<claim>``) weighting
        its runs; the combined projection of ``measure`` (``date`` and its quantiles, each
        scenario's runs weighted by the reports and the scenarios by their weights); and the
        claims combined (``claim, probability``: over the scenarios that hold the claim, their
        weights renormalised).
    """
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if len({s.name for s in loaded}) < len(loaded):
        raise InputError("scenarios", "name", "two scenarios have the same name; each story needs its own")
    if len({(s.start, s.end) for s in loaded}) > 1:
        raise InputError("scenarios", "start", "the stories must share one start and end date to be combined")
    until = dt.date.fromisoformat(until) if isinstance(until, str) else until
    stories = []
    for s, given in zip(loaded, scenarios, strict=True):
        est = estimates
        if est is None:
            if isinstance(given, Scenario) or s.estimates is None:
                raise InputError("--against", "estimates", f"scenario {s.name!r} names no estimates file; give one")
            est = estimates_for(Path(given), s.estimates)
        elif not isinstance(est, Estimates):
            est = load_estimates(est)
        stories.append(_story(s, est, until, reps, seed, measure, tuple(kinds), tuple(exclude)))
    logs = np.array([st.log_evidence for st in stories])
    weights = np.exp(logs - logs.max())
    weights /= weights.sum()
    claims = sorted({c.id for st in stories for c in st.scenario.claims})
    rows = []
    for st, w in zip(stories, weights, strict=True):
        row = {
            "scenario": st.scenario.name,
            "reports": len(st.reports),
            "log_evidence": st.log_evidence,
            "weight": float(w),
            "ess": st.ess,
        }
        for c in st.scenario.claims:
            holds = claim_outcomes(st.result, c)
            row[f"p:{c.id}"] = float(holds.mean())
            row[f"p_given_reports:{c.id}"] = float(np.sum(st.weights * holds))
        rows.append(row)
    table = pd.DataFrame(rows)
    # The combined projection: every run of every story, weighted.
    values = np.concatenate([st.path for st in stories], axis=0)
    rep_w = np.concatenate([w * st.weights for st, w in zip(stories, weights, strict=True)])
    q = weighted_quantiles(values, rep_w)
    combined = pd.DataFrame(q, columns=list(QUANTILE_COLUMNS))
    combined.insert(0, "mean", rep_w @ values)
    combined.insert(0, "date", pd.to_datetime(stories[0].result.dates))
    for st in stories:  # each story's own median given the reports
        combined[f"q50:{st.scenario.name}"] = weighted_quantiles(st.path, st.weights, (0.5,))[:, 0]
    given = table.set_index("scenario")
    claim_rows = []
    for cid in claims:
        having = [
            (st.scenario.name, w)
            for st, w in zip(stories, weights, strict=True)
            if any(c.id == cid for c in st.scenario.claims)
        ]
        total = sum(w for _, w in having)
        p = sum(w * given.loc[name, f"p_given_reports:{cid}"] for name, w in having)
        claim_rows.append({"claim": cid, "scenarios": len(having), "probability": p / total if total > 0 else math.nan})
    return table, combined, pd.DataFrame(claim_rows)
