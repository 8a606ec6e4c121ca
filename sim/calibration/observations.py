"""The observation model: how a reported figure relates to the model's true figure.

Each report is the true figure (the model measure for its kind, on its date; for a date
range, the measure's average over the range) seen with a multiplicative error:

``log(1 + reported) = log(1 + true) + log(b_g) + e``, with ``e ~ Normal(0, sigma)``, where
``sigma`` comes from the report's low/high range read as a 90% interval, or from the file's
``default_relative_error`` ``r`` as ``log(1 + r)`` when the report gives no range, widened by
its reporter's own ``spread``.  ``b_g`` is the lean of the report's reporter (a group of
reporters with the same interest, declared in the estimates file; 1 for a report without one):
one factor shared by all the group's reports, with a log-normal prior (median ``bias``, log
standard deviation ``bias_spread``).  The factor enters the log figures linearly, so it is
integrated out exactly: the group's reports share a covariance of ``bias_spread**2`` and their
centre moves by ``log(bias)``; :func:`reporter_leans` gives its posterior.  A report flagged
``lower_bound`` ("more than 3,000") says only that the reported figure exceeds the bound, and
contributes the probability of that.  A report that a later one revises is left out.

The model's true figure is itself uncertain (random draws and the parameters not fitted), so
the likelihood is a synthetic one: the simulated replications give the mean and covariance
of ``log(1 + true)`` for all reports; add the observation error; the point reports have a
joint normal density, and each lower bound the normal probability, given the point reports,
of exceeding it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..estimates import MEASURE_OF_KIND, Estimate, Estimates, Reporter
from ..scenario import Scenario
from .priors import CalibrationError

#: The standard normal quantile of 95%: a 90% interval spans +-Z90 standard deviations.
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Observation:
    """One report as the likelihood uses it."""

    id: str
    kind: str
    measure: str
    first: dt.date
    last: dt.date
    first_day: int  # day index in the simulation (day 0 is the scenario's start)
    last_day: int
    figure: float  # the reported value (or the bound, for a lower bound)
    low: float | None
    high: float | None
    lower_bound: bool
    centre: float  # log(1 + figure), or the middle of the log range
    sigma: float  # standard deviation of the observation error on the log(1 + x) scale
    who: str
    reporter: str | None = None  # the group whose lean the report shares (None: no lean)
    bias_log: float = 0.0  # log of the group's prior median lean
    bias_sd: float = 0.0  # standard deviation of the log of the group's lean
    spread: float = 0.0  # the group's own error on top of sigma (log scale)

    @property
    def error_sd(self) -> float:
        """The report's own error: ``sigma`` widened by its reporter's ``spread``."""
        return math.hypot(self.sigma, self.spread)

    @property
    def interval(self) -> tuple[float, float]:
        """The 90% interval of the reported figure implied by the observation model."""
        return (math.expm1(self.centre - Z90 * self.sigma), math.expm1(self.centre + Z90 * self.sigma))

    def row(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "measure": self.measure,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "reported": self.figure,
            "low": self.low,
            "high": self.high,
            "lower_bound": self.lower_bound,
            "sigma_log": round(self.sigma, 4),
            "interval_90": [round(v, 1) for v in self.interval],
            "who": self.who,
            "reporter": self.reporter,
        }


def observation_of(
    e: Estimate, scenario: Scenario, relative_error: float, reporters: Mapping[str, Reporter] | None = None
) -> Observation:
    """The observation model of one report (which must name a model measure), with its
    reporter's lean when ``reporters`` declares it."""
    ranged = e.low is not None and e.high is not None and e.high > e.low and not e.lower_bound
    if ranged:
        lo, hi = math.log1p(e.low), math.log1p(e.high)
        sigma = (hi - lo) / (2 * Z90)
        centre = math.log1p(e.value) if e.value is not None else (lo + hi) / 2
    else:
        sigma = math.log1p(relative_error)
        centre = math.log1p(e.value if e.value is not None else e.low)  # type: ignore[arg-type]
    figure = e.value if e.value is not None else (e.low if e.lower_bound else e.central)
    return Observation(
        id=e.id,
        kind=e.kind,
        measure=e.measure or "",
        first=e.first_date,
        last=e.last_date,
        first_day=(e.first_date - scenario.start).days,
        last_day=(e.last_date - scenario.start).days,
        figure=float(figure),
        low=e.low,
        high=e.high,
        lower_bound=e.lower_bound,
        centre=centre,
        sigma=sigma,
        who=e.who,
        **_lean(e, reporters or {}),
    )


def _lean(e: Estimate, reporters: Mapping[str, Reporter]) -> dict:
    group = reporters.get(e.reporter) if e.reporter else None
    if group is None:
        return {}
    return {
        "reporter": e.reporter,
        "bias_log": math.log(group.bias),
        "bias_sd": group.bias_spread,
        "spread": group.spread,
    }


def screen(
    estimates: Estimates, scenario: Scenario, *rules: Callable[[Estimate], str | None]
) -> tuple[list[Observation], list[dict]]:
    """The reports that pass: not revised by a later one, of a measure the scenario records, and
    kept by every one of ``rules`` (each gives the reason to leave a report out, or None); and
    those left out, each with the first reason that applies."""
    used, left_out = [], []
    revised = {e.revises: e.id for e in estimates.estimates if e.revises is not None}
    for e in estimates.estimates:
        if e.id in revised:
            reason = f"revised by {revised[e.id]}"
        elif e.measure is None:
            reason = f"kind {e.kind!r} has no model measure"
        elif e.measure not in scenario.measure_names:
            reason = f"measure {e.measure!r} is not among the scenario's measures"
        else:
            reason = next((r for rule in rules if (r := rule(e)) is not None), None)
        if reason:
            left_out.append({"id": e.id, "kind": e.kind, "date": e.mid_date.isoformat(), "reason": reason})
        else:
            used.append(observation_of(e, scenario, estimates.default_relative_error, estimates.reporters))
    return used, left_out


def select(
    estimates: Estimates,
    scenario: Scenario,
    until: dt.date,
    exclude: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    source: str = "estimates",
) -> tuple[list[Observation], list[dict]]:
    """The reports to fit (of the chosen ``kinds``, dated within the run, on or before
    ``until``, not excluded), and those left out with the reason.

    Raises
    ------
    CalibrationError
        When ``exclude`` names an unknown report or ``kinds`` an unknown kind, or no report is
        left to fit.
    """
    ids = {e.id for e in estimates.estimates}
    for x in exclude:
        if x not in ids:
            raise CalibrationError("--exclude", x, f"no estimate with this id in {source}")
    for k in kinds:
        if k not in MEASURE_OF_KIND:
            raise CalibrationError(
                "--kind", k, f"not a kind with a model measure; allowed: {', '.join(MEASURE_OF_KIND)}"
            )
    used, left_out = screen(
        estimates,
        scenario,
        lambda e: "excluded (--exclude)" if e.id in exclude else None,
        lambda e: "kind not chosen (--kind)" if kinds and e.kind not in kinds else None,
        lambda e: f"dated before the scenario starts ({scenario.start})" if e.first_date < scenario.start else None,
        lambda e: f"dated after the cut-off ({until})" if e.last_date > until else None,
    )
    if not used:
        raise CalibrationError(
            source, "estimates", f"no reported figure of a model measure dated {scenario.start}..{until} is left to fit"
        )
    return used, left_out


def _log_ndtr(z: np.ndarray) -> np.ndarray:
    from scipy.special import log_ndtr

    return log_ndtr(z)


def observation_covariance(obs: list[Observation]) -> np.ndarray:
    """The observation model's covariance of the reports' log figures: each report's own error
    on the diagonal, and the shared lean of a group between (and on) its reports."""
    k = len(obs)
    out = np.diag([o.error_sd**2 for o in obs])
    for i in range(k):
        for j in range(k):
            if obs[i].reporter is not None and obs[i].reporter == obs[j].reporter:
                out[i, j] += obs[i].bias_sd ** 2
    return out


def reporter_leans(sims: np.ndarray, obs: list[Observation]) -> dict[str, dict[str, float]]:
    """Each reporter group's lean after seeing its reports: the factor's median and 90% interval
    (log-normal; ``q50, q05, q95``, beside its prior median ``prior_q50`` and the group's number
    of ``reports``), given the model's figures ``sims`` (``(reps, reports)``, log scale; the point
    reports only) and the other groups' reports.  The lean enters linearly and its prior is
    normal on the log scale, so its posterior is the normal conditional on the residuals."""
    points = [i for i, o in enumerate(obs) if not o.lower_bound]
    sub = [obs[i] for i in points]
    x = sims[:, points]
    mu = x.mean(axis=0)
    dev = x - mu
    cov = dev.T @ dev / max(len(x) - 1, 1) + observation_covariance(sub)
    resid = np.array([o.centre - o.bias_log for o in sub]) - mu
    out: dict[str, dict[str, float]] = {}
    for g in sorted({o.reporter for o in sub if o.reporter is not None}):
        ones = np.array([1.0 if o.reporter == g else 0.0 for o in sub])
        s2 = next(o.bias_sd for o in sub if o.reporter == g) ** 2
        prior = next(o.bias_log for o in sub if o.reporter == g)
        if s2 == 0:
            mean, sd = 0.0, 0.0
        else:
            w = np.linalg.solve(cov, ones)
            mean = s2 * float(w @ resid)
            sd = math.sqrt(max(s2 - s2 * s2 * float(w @ ones), 0.0))
        out[g] = {
            "reports": int(ones.sum()),
            "prior_q50": math.exp(prior),
            "q05": math.exp(prior + mean - Z90 * sd),
            "q50": math.exp(prior + mean),
            "q95": math.exp(prior + mean + Z90 * sd),
        }
    return out


def synthetic_log_likelihood(sims: np.ndarray, obs: list[Observation]) -> np.ndarray:
    """Log-likelihood of the reports for each parameter vector.

    Parameters
    ----------
    sims : ndarray, shape (n, reps, k)
        ``log(1 + true figure)`` of each of the ``k`` reports in each replication, for ``n``
        parameter vectors.
    obs : list of Observation
        The ``k`` reports.

    Returns
    -------
    ndarray, shape (n,)
        ``-inf`` where the covariance is not usable.
    """
    n, reps, _ = sims.shape
    centre = np.array([o.centre - o.bias_log for o in obs])
    bound = np.array([o.lower_bound for o in obs])
    mu = sims.mean(axis=1)
    dev = sims - mu[:, None, :]
    cov = np.einsum("nri,nrj->nij", dev, dev) / max(reps - 1, 1)
    cov += observation_covariance(obs)
    pts, lbs = np.flatnonzero(~bound), np.flatnonzero(bound)
    out = np.zeros(n)
    if pts.size:
        c_pp = cov[:, pts[:, None], pts[None, :]]
        try:
            chol = np.linalg.cholesky(c_pp)
        except np.linalg.LinAlgError:
            return np.full(n, -np.inf)
        resid = centre[pts] - mu[:, pts]
        z = np.linalg.solve(chol, resid[..., None])[..., 0]
        out += (
            -0.5 * (z**2).sum(axis=1)
            - np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
            - 0.5 * pts.size * math.log(2 * math.pi)
        )
    if lbs.size:
        m = mu[:, lbs]
        s2 = cov[:, lbs, lbs]
        if pts.size:
            # Condition each bound on the point reports: B = C_bp C_pp^-1.
            c_bp = cov[:, lbs[:, None], pts[None, :]]
            gain = np.linalg.solve(c_pp, np.swapaxes(c_bp, 1, 2))  # (n, p, b)
            m = m + np.einsum("npb,np->nb", gain, resid)
            s2 = s2 - np.einsum("nbp,npb->nb", c_bp, gain)
        s = np.sqrt(np.maximum(s2, 1e-12))
        out += _log_ndtr((m - centre[lbs]) / s).sum(axis=1)
    return np.where(np.isfinite(out), out, -np.inf)
