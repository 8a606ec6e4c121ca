"""The observation model: how a reported figure relates to the model's true figure.

Each report is the true figure (the model measure for its kind, on its date; for a date
range, the measure's average over the range) seen with a multiplicative error:

``log(1 + reported) = log(1 + true) + e``, with ``e ~ Normal(0, sigma)``, where ``sigma``
comes from the report's low/high range read as a 90% interval, or from the file's
``default_relative_error`` ``r`` as ``log(1 + r)`` when the report gives no range.  A report
flagged ``lower_bound`` ("more than 3,000") says only that the reported figure exceeds the
bound, and contributes the probability of that.

The model's true figure is itself uncertain (random draws and the parameters not fitted), so
the likelihood is a synthetic one: the simulated replications give the mean and covariance
of ``log(1 + true)`` for all reports; add the observation error; the point reports have a
joint normal density, and each lower bound the normal probability, given the point reports,
of exceeding it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from ..estimates import MEASURE_OF_KIND, Estimate, Estimates
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
        }


def observation_of(e: Estimate, scenario: Scenario, relative_error: float) -> Observation:
    """The observation model of one report (which must name a model measure)."""
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
    )


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
    used, left_out = [], []
    for e in estimates.estimates:
        reason = None
        if e.measure is None:
            reason = f"kind {e.kind!r} has no model measure"
        elif e.measure not in scenario.measure_names:
            reason = f"measure {e.measure!r} is not among the scenario's measures"
        elif e.id in exclude:
            reason = "excluded (--exclude)"
        elif kinds and e.kind not in kinds:
            reason = "kind not chosen (--kind)"
        elif e.first_date < scenario.start:
            reason = f"dated before the scenario starts ({scenario.start})"
        elif e.last_date > until:
            reason = f"dated after the cut-off ({until})"
        if reason:
            left_out.append({"id": e.id, "kind": e.kind, "date": e.mid_date.isoformat(), "reason": reason})
        else:
            used.append(observation_of(e, scenario, estimates.default_relative_error))
    if not used:
        raise CalibrationError(
            source, "estimates", f"no reported figure of a model measure dated {scenario.start}..{until} is left to fit"
        )
    return used, left_out


def _log_ndtr(z: np.ndarray) -> np.ndarray:
    from scipy.special import log_ndtr

    return log_ndtr(z)


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
    n, reps, k = sims.shape
    centre = np.array([o.centre for o in obs])
    var_obs = np.array([o.sigma for o in obs]) ** 2
    bound = np.array([o.lower_bound for o in obs])
    mu = sims.mean(axis=1)
    dev = sims - mu[:, None, :]
    cov = np.einsum("nri,nrj->nij", dev, dev) / max(reps - 1, 1)
    cov[:, np.arange(k), np.arange(k)] += var_obs
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
