"""Forecasts scored against what was reported later.

A projection made with what was known by a cut-off (``after``) is a forecast of the figures
reported after it.  :func:`score` runs the scenario once and, for each later report of a model
measure, compares the reported figure with the ensemble of the projection's figures of it, one
per replication.  The true figure is the measure on the report's day, or its average over the
report's days, as calibration reads a report.  By default each report is compared with that
figure *as it would be reported* (:func:`as_reported`: seen through the observation model, with
the reporter's lean and the report's own error); with ``truth=True`` (``--truth``) with the true
figure itself.  For each report:

- the projection's 5/25/50/75/95% quantiles (``q05`` ... ``q95``; ``q50`` is the median);
- the PIT (probability integral transform): the share of replications below the reported
  figure, ties counted as half (the mid-rank; deterministic, so no random stream is used).
  Over many reports of a calibrated projection the PITs are spread evenly over 0..1;
- ``in_50`` and ``in_90``: whether the reported figure lies inside the central 50% / 90% band
  (ends included);
- ``interval_score_90``: the interval (Winkler) score of the 90% band,
  ``scoringrules.interval_score``: the band's width, plus 20 times the distance by which the
  report falls outside it (lower is better);
- ``crps``: the continuous ranked probability score of the ensemble,
  ``scoringrules.crps_ensemble`` (the empirical distribution's CRPS, estimator ``qd``): the
  mean distance from the report to the replications less half their mean distance from each
  other, in the report's unit; it is the absolute error for a projection without spread
  (lower is better).

A lower-bound report ("more than N") says only that the figure exceeded N: it gets ``holds``,
the share of replications above N, and no PIT, bands or CRPS (its ``note`` says so).

Compared with the true figure, the scores make no allowance for the report's own error or its
reporter's lean: the bands are narrower, and a projection can be right and a report wrong.  The
scores' frame says which was compared in ``frame.attrs["compared_with"]`` (:data:`AS_REPORTED`
or :data:`TRUE_FIGURE`), as ``score.json`` does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .calibration.observations import Observation, screen
from .calibration.sampler import ReportRecorder
from .claims import claim_outcomes
from .conditions import deadline
from .errors import InputError
from .estimates import Estimates, estimates_for, load_estimates
from .loading import load_scenario
from .measures import QUANTILE_COLUMNS, compare
from .measures import QUANTILES as PROBABILITIES
from .results import Result
from .rules import check_run_size
from .runner import run
from .scenario import Scenario
from .streams import generator

#: The quantiles of the projection given for each report, by column (those of a run's daily
#: quantiles; ``q50`` is the median).
QUANTILES = dict(zip(QUANTILE_COLUMNS, PROBABILITIES, strict=True))
#: The CRPS estimator of ``scoringrules.crps_ensemble``: the quantile decomposition, which gives
#: the CRPS of the ensemble's empirical distribution (the same number as the energy form).
CRPS_ESTIMATOR = "qd"
PIT_METHOD = "mid-rank: (replications below + half of those equal) / replications"
PIT_BINS = 10
COLUMNS = [
    "id",
    "who",
    "measure",
    "kind",
    "first",
    "last",
    "date",
    "reported",
    "low",
    "high",
    "lower_bound",
    *QUANTILES,
    "pit",
    "in_50",
    "in_90",
    "interval_score_90",
    "crps",
    "holds",
    "note",
]
LOWER_BOUND_NOTE = (
    "lower bound (more than the figure): scored only by holds, the share of runs above it; no PIT or CRPS"
)


#: What the reports were compared with (``compared_with`` in ``score.json`` and in the frame's
#: ``attrs``): the figure as it would be reported (the default), or the model's true figure.
AS_REPORTED = "as reported: lean and error"
TRUE_FIGURE = "the true figure"

#: A report counts as telling whether a claim came true when dated this close to its deadline.
CLAIM_WINDOW_DAYS = 10


class ScoringError(InputError):
    """Bad scoring input; ``str()`` is one line naming the option (or file), field and rule."""


@dataclass
class Scoring:
    """What :func:`scoring` returns: the scores and the run that made them."""

    scenario: Scenario
    source: str
    estimates: Estimates
    estimates_source: str
    after: dt.date | None
    until: dt.date
    reps: int
    seed: int
    observations: list[Observation]  # the scored reports
    left_out: list[dict]  # the reports not scored, each with the reason
    result: Result
    figures: np.ndarray  # (reports, reps) the figure compared, each scored report in each replication (compared_with)
    frame: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return summary(self.frame)

    def claims(self, window_days: int = CLAIM_WINDOW_DAYS) -> pd.DataFrame:
        """Each claim tested against the later reports (see :func:`claim_checks`)."""
        return claim_checks(self, window_days)

    def reports(self) -> pd.DataFrame:
        """Every report of a scored measure within the run, scored or not (for charts):
        ``id, measure, date, first, last, value, low, high, lower_bound, scored``."""
        f = self.estimates.frame()
        start, end = pd.Timestamp(self.scenario.start), pd.Timestamp(self.scenario.end)
        keep = f["measure"].isin(set(self.frame["measure"])) & (f["first"] >= start) & (f["last"] <= end)
        f = f[keep].copy()
        f["scored"] = f["id"].isin(set(self.frame["id"]))
        cols = ["id", "measure", "date", "first", "last", "value", "low", "high", "lower_bound", "scored"]
        return f[cols].reset_index(drop=True)

    def info(self) -> dict[str, Any]:
        """The settings and provenance of the scores (JSON-ready)."""
        return {
            "scenario": self.scenario.name,
            "source": self.source,
            "estimates_file": self.estimates_source,
            "after": self.after.isoformat() if self.after else None,
            "until": self.until.isoformat(),
            "start": self.scenario.start.isoformat(),
            "end": self.scenario.end.isoformat(),
            "reps": self.reps,
            "seed": self.seed,
            "version": __version__,
            "pit": PIT_METHOD,
            "crps": f"scoringrules.crps_ensemble, estimator {CRPS_ESTIMATOR!r}",
            "interval_score": "scoringrules.interval_score of the 5%..95% band (alpha 0.1)",
            "bands": (
                "central bands (numpy quantiles, ends included) of the replications' figures as compared"
                " (compared_with): as the report would give them (the true figure with the reporter's lean"
                " and the report's error), or with --truth the true figures"
            ),
            **self.extra,
            "left_out": self.left_out,
        }


def as_date(value: dt.date | str | None, option: str) -> dt.date | None:
    """A date given as a date or an ISO string (None stays None)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScoringError(option, "", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _within_run(value: dt.date | None, s: Scenario, option: str) -> None:
    if value is not None and not s.start <= value <= s.end:
        raise ScoringError(option, "", f"must lie within the run ({s.start}..{s.end}); got {value}")


def held_out(
    scenario: Scenario,
    estimates: Estimates,
    after: dt.date | str | None = None,
    until: dt.date | str | None = None,
    source: str = "estimates",
) -> tuple[list[Observation], list[dict]]:
    """The reports to score, and those left out with the reason.

    A report is scored when it names a model measure of the scenario, lies within the run, is
    not revised by a later one, and its last day falls after ``after`` (the reports a
    projection made then had not seen: the ones ``calibrate --until AFTER`` leaves out by
    date) and on or before ``until``.

    Raises
    ------
    ScoringError
        A date that is not one or lies outside the run; no report left to score.
    """
    after, until = as_date(after, "--after"), as_date(until, "--until")
    _within_run(after, scenario, "--after")
    _within_run(until, scenario, "--until")
    until = until or scenario.end
    # Revised figures and figures of no model measure are left out as calibration leaves them out.
    used, left_out = screen(
        estimates,
        scenario,
        lambda e: (
            f"dated outside the run ({scenario.start}..{scenario.end})"
            if e.first_date < scenario.start or e.last_date > scenario.end
            else None
        ),
        lambda e: (
            f"dated on or before the cut-off ({after}): seen, not held out"
            if after is not None and e.last_date <= after
            else None
        ),
        lambda e: f"dated after --until ({until})" if e.last_date > until else None,
    )
    if not used:
        span = f"after {after}" if after is not None else f"from {scenario.start}"
        raise ScoringError(
            source, "estimates", f"no reported figure of a model measure dated {span} to {until} is left to score"
        )
    return used, left_out


def as_reported(obs: list[Observation], figures: np.ndarray, seed: int) -> np.ndarray:
    """The figures a report would give in each replication (``(reports, reps)``): the true figure
    seen through the observation model, with the reporter's lean (drawn from its prior, one
    draw per replication for all of a group's reports) and each report's own error.  A forecast
    of a report must allow for both, or a perfect model would look overconfident."""
    figures = np.asarray(figures, dtype=float)
    rng = generator(seed, "score.reports")
    reps = figures.shape[1]
    groups = sorted({o.reporter for o in obs if o.reporter is not None})
    lean = {g: rng.standard_normal(reps) for g in groups}
    out = np.empty_like(figures)
    for i, o in enumerate(obs):
        log = np.log1p(np.maximum(figures[i], 0.0)) + o.error_sd * rng.standard_normal(reps)
        if o.reporter is not None:
            log += o.bias_log + o.bias_sd * lean[o.reporter]
        out[i] = np.expm1(log)
    return out


def score_figures(obs: list[Observation], figures: np.ndarray, estimates: Estimates | None = None) -> pd.DataFrame:
    """The scores of reports ``obs`` against the figures ``figures (reports, reps)`` (as reported,
    :func:`as_reported`, or the true figures).

    One row per report (see :data:`COLUMNS` and the module's docstring); ``estimates``, the
    file the reports come from, tells a range given without a figure (for the notes).
    """
    import scoringrules as sr

    figures = np.asarray(figures, dtype=float)
    n = len(obs)
    y = np.array([o.figure for o in obs], dtype=float)
    bound = np.array([o.lower_bound for o in obs], dtype=bool)
    q = {k: np.quantile(figures, p, axis=1) for k, p in QUANTILES.items()} if n else {k: y for k in QUANTILES}
    below = (figures < y[:, None]).mean(axis=1)
    equal = (figures == y[:, None]).mean(axis=1)
    pit = below + equal / 2
    in_50 = (q["q25"] <= y) & (y <= q["q75"])
    in_90 = (q["q05"] <= y) & (y <= q["q95"])
    interval = np.asarray(sr.interval_score(y, q["q05"], q["q95"], 0.1, backend="numpy"), dtype=float)
    crps = np.asarray(sr.crps_ensemble(y, figures, estimator=CRPS_ESTIMATOR, backend="numpy"), dtype=float)
    holds = (figures > y[:, None]).mean(axis=1)
    nan = np.full(n, np.nan)
    frame = pd.DataFrame(
        {
            "id": [o.id for o in obs],
            "who": [o.who for o in obs],
            "measure": [o.measure for o in obs],
            "kind": [o.kind for o in obs],
            "first": [o.first for o in obs],
            "last": [o.last for o in obs],
            "date": [o.first + (o.last - o.first) / 2 for o in obs],
            "reported": y,
            "low": [np.nan if o.low is None else o.low for o in obs],
            "high": [np.nan if o.high is None else o.high for o in obs],
            "lower_bound": bound,
            **q,
            "pit": np.where(bound, nan, pit),
            "in_50": pd.array(np.where(bound, None, in_50), dtype="boolean"),
            "in_90": pd.array(np.where(bound, None, in_90), dtype="boolean"),
            "interval_score_90": np.where(bound, nan, interval),
            "crps": np.where(bound, nan, crps),
            "holds": np.where(bound, holds, nan),
            "note": [_note(o, estimates) for o in obs],
        },
        columns=COLUMNS,
    )
    return frame


def _note(o: Observation, estimates: Estimates | None) -> str:
    parts = []
    ranged = o.low is not None and o.high is not None and o.low != o.high
    given = (
        estimates.get(o.id).value is not None
        if estimates is not None
        else o.figure != (o.low or 0) / 2 + (o.high or 0) / 2
    )
    if o.lower_bound:
        parts.append(LOWER_BOUND_NOTE)
    elif ranged and not given:
        parts.append("a range without a figure: scored at its middle")
    if o.first != o.last:
        parts.append(f"dated {o.first}..{o.last}: the true figure is the measure's average over those days")
    return "; ".join(parts)


def summary(frame: pd.DataFrame) -> dict[str, Any]:
    """The scores in a few numbers (JSON-ready; None where there is nothing to average).

    Coverage of the 50% and 90% bands beside what a calibrated projection gives (0.5, 0.9),
    mean CRPS and interval score, mean ``|PIT - 0.5|`` (0.25 when the PITs are spread evenly;
    more: the reports fall in the tails; less: the bands are too wide), and the PIT histogram
    in :data:`PIT_BINS` bins of 0..1.  Lower bounds count separately, by the mean share of runs
    above them.
    """
    bound = frame["lower_bound"].astype(bool).to_numpy()
    pts = frame[~bound]
    pit = pts["pit"].to_numpy(dtype=float)
    counts, edges = np.histogram(pit, bins=PIT_BINS, range=(0.0, 1.0))

    def mean(x) -> float | None:
        x = np.asarray(x, dtype=float)
        return float(x.mean()) if x.size else None

    return {
        "reports": len(frame),
        "point_reports": len(pts),
        "lower_bounds": int(bound.sum()),
        "coverage_50": mean(pts["in_50"].astype(bool)),
        "expected_50": 0.5,
        "coverage_90": mean(pts["in_90"].astype(bool)),
        "expected_90": 0.9,
        "mean_crps": mean(pts["crps"]),
        "mean_interval_score_90": mean(pts["interval_score_90"]),
        "mean_abs_pit_deviation": mean(np.abs(pit - 0.5)),
        "expected_abs_pit_deviation": 0.25,
        "pit_histogram": {"edges": [round(float(e), 10) for e in edges], "counts": counts.tolist()},
        "lower_bounds_mean_holds": mean(frame.loc[bound, "holds"]),
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows for JSON: dates as ISO strings, missing values as None."""
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, dt.date):
                v = v.isoformat()
            elif v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                v = None
            elif isinstance(v, np.generic):
                v = v.item()
            clean[k] = v
        out.append(clean)
    return out


def _estimates(
    scenario: Scenario | str | Path, s: Scenario, estimates: Estimates | str | Path | None, source: str
) -> tuple[str, Estimates]:
    """The reports to score and where they came from: those given, else the file the scenario
    names (relative to the scenario's file)."""
    if isinstance(estimates, Estimates):
        return f"<estimates {estimates.case}>", estimates
    if estimates is not None:
        if not Path(estimates).is_file():
            raise ScoringError("--against", "", f"no estimates file at {estimates}")
        return str(estimates), load_estimates(estimates)
    if not s.estimates:
        raise ScoringError(source, "estimates", "give an estimates file (the scenario names none)")
    if isinstance(scenario, Scenario):
        raise ScoringError(
            source,
            "estimates",
            "give the estimates file: the scenario names one relative to its own file, which a loaded scenario lacks",
        )
    return str(Path(scenario).parent / s.estimates), estimates_for(scenario, s.estimates)


def scoring(
    scenario: Scenario | str | Path,
    estimates: Estimates | str | Path | None = None,
    *,
    after: dt.date | str | None = None,
    until: dt.date | str | None = None,
    reps: int = 2000,
    seed: int | None = None,
    values: dict[str, np.ndarray] | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    workers: int | None = 1,
    truth: bool = False,
    source: str | None = None,
    estimates_source: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Scoring:
    """Run ``scenario`` once and score it against the reports dated after ``after``.

    Takes the arguments of :func:`score` (and ``source``, ``estimates_source``: how to name
    the scenario and the estimates in the provenance; ``extra``: more provenance), and returns
    the scores with the run that made them (for charts) and each report's projected figures.
    """
    src = source or (str(scenario) if not isinstance(scenario, Scenario) else f"<scenario {scenario.name}>")
    s = load_scenario(scenario, tuple(overrides)) if overrides or not isinstance(scenario, Scenario) else scenario
    est_source, est = _estimates(scenario, s, estimates, src)
    est_source = estimates_source or est_source
    check_run_size(reps, seed)
    seed = s.seed if seed is None else int(seed)
    obs, left_out = held_out(s, est, after, until, est_source)
    rec = ReportRecorder(obs, reps)
    result = run(s, reps, seed, values=values, recorders=[rec], workers=workers)
    figures = rec.values() if truth else as_reported(obs, rec.values(), seed)
    compared = TRUE_FIGURE if truth else AS_REPORTED
    frame = score_figures(obs, figures, est)
    frame.attrs["compared_with"] = compared
    return Scoring(
        scenario=s,
        source=src,
        estimates=est,
        estimates_source=est_source,
        after=as_date(after, "--after"),
        until=as_date(until, "--until") or s.end,
        reps=reps,
        seed=seed,
        observations=obs,
        left_out=left_out,
        result=result,
        figures=figures,
        frame=frame,
        extra={
            "compared_with": compared,
            **(extra or {}),
        },
    )


def score(
    scenario: Scenario | str | Path,
    estimates: Estimates | str | Path | None = None,
    *,
    after: dt.date | str | None = None,
    until: dt.date | str | None = None,
    reps: int = 2000,
    seed: int | None = None,
    values: dict[str, np.ndarray] | None = None,
    overrides: tuple[str, ...] | list[str] = (),
    truth: bool = False,
) -> pd.DataFrame:
    """Score a projection against the reports it had not seen.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario (a file, or loaded).
    estimates : Estimates or path, optional
        The reported figures (default: the file the scenario names, when it is given as a path).
    after : date or ISO string, optional
        The cut-off: score the reports whose last day falls after it (default: every report
        dated within the run).
    until : date or ISO string, optional
        Score the reports dated on or before this date (default: the scenario's end).
    reps : int
        Replications.
    seed : int, optional
        Seed (default: the scenario's).
    values : dict, optional
        Per-replication parameter values (posterior draws, :func:`sim.posterior.posterior_draws`).
    overrides : list of str
        ``path=value`` changes to the scenario (as ``--set``).
    truth : bool
        Compare each report with the model's true figure; by default with the figure as it
        would be reported (:func:`as_reported`: the reporter's lean and the report's error).

    Returns
    -------
    DataFrame
        One row per scored report: ``id, who, measure, kind, first, last, date`` (the middle of
        the report's days), ``reported, low, high, lower_bound``, the projection's ``q05, q25,
        q50, q75, q95`` (``q50``: the median) of the figure compared, ``pit`` (mid-rank), ``in_50,
        in_90``, ``interval_score_90``, ``crps``, ``holds`` (lower bounds only) and ``note``;
        ``attrs["compared_with"]`` says what was compared.  :func:`summary` condenses it.

    Raises
    ------
    InputError
        Bad scenario, estimates, dates or overrides; no report left to score (one line).
    """
    return scoring(
        scenario,
        estimates,
        after=after,
        until=until,
        reps=reps,
        seed=seed,
        values=values,
        overrides=overrides,
        truth=truth,
    ).frame


def claim_checks(scoring: Scoring, window_days: int = CLAIM_WINDOW_DAYS) -> pd.DataFrame:
    """Did each claim come true, according to the reports the projection did not see, and how
    sure was the projection?

    A claim that tests a measure (or a threshold on one) against a number is checked against
    each unseen report of that measure dated within ``window_days`` of the claim's deadline: the
    claim came true by that report when the reported figure meets the test (a test relative to
    another measure is not checked).  For each, the projection's probability that the claim holds,
    the probability it gave to what happened, and the Brier score ``(p - outcome)**2``.
    """
    s = scoring.scenario
    seen_after = scoring.after
    reports = [e for e in scoring.estimates.estimates if e.measure is not None and e.central is not None]
    rows = []
    for c in s.claims:
        t = c.holds_if
        cond = s.thresholds[t.threshold] if t.threshold else t.condition()
        if cond.of is not None:
            continue
        when = deadline(c, s)
        p = float(np.mean(claim_outcomes(scoring.result, c)))
        for e in reports:
            if e.measure != cond.measure or e.lower_bound or abs((e.mid_date - when).days) > window_days:
                continue
            if seen_after is not None and e.last_date <= seen_after:
                continue  # seen by the projection: not a test of it
            came_true = bool(compare(np.array([e.central]), cond.comparison, cond.value)[0])
            rows.append(
                {
                    "claim": c.id,
                    "deadline": when.isoformat(),
                    "report": e.id,
                    "report_date": e.mid_date.isoformat(),
                    "reported": e.central,
                    "came_true": came_true,
                    "probability": p,
                    "probability_of_outcome": p if came_true else 1 - p,
                    "brier": (p - float(came_true)) ** 2,
                }
            )
    columns = ["claim", "deadline", "report", "report_date", "reported", "came_true", "probability"]
    return pd.DataFrame(rows, columns=[*columns, "probability_of_outcome", "brier"])
