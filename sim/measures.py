"""Daily measures: conditions that can be crossed, when they were, and recorders that
summarise the days.

A recorder sees each day's measures for every replication once and keeps either day-by-day
quantiles and means (memory grows with days plus replications) or every trajectory (memory
grows with their product; asked for explicitly).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .conditions import Condition
from .scenario import MEASURES, SCALED

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")
#: The first-crossing dates reported of each threshold and claim: the 5%, 50% and 95% quantiles,
#: named as the daily quantiles are.
CROSSING_COLUMNS = ("q05", "q50", "q95")
NEVER = -1


def compare(values: np.ndarray, comparison: str, limit) -> np.ndarray:
    """Elementwise ``values <comparison> limit`` (``limit`` is a pair for ``between``)."""
    if comparison == "between":
        return (values >= limit[0]) & (values <= limit[1])
    if comparison == "below":
        return values < limit
    if comparison == "at_most":
        return values <= limit
    if comparison == "above":
        return values > limit
    return values >= limit


class Peaks:
    """Running maxima of the measures that conditions refer to as ``peak_<measure>``."""

    def __init__(self, names: set[str], reps: int):
        self.values = {n: np.zeros(reps, dtype=np.int64) for n in names}

    def update(self, m: dict[str, np.ndarray]) -> None:
        for n, v in self.values.items():
            np.maximum(v, m[n], out=v)


def reference(cond: Condition, m: dict[str, np.ndarray], peaks: Peaks):
    """The value a measure is compared with: ``value``, or ``value`` times the reference
    (a pair of them for ``between``)."""
    if cond.of is None:
        return cond.value
    ref = peaks.values[cond.of[5:]] if cond.of.startswith("peak_") else m[cond.of]
    v = cond.value
    return (v[0] * ref, v[1] * ref) if isinstance(v, tuple) else v * ref


def peak_names(conds: list[Condition]) -> set[str]:
    return {c.of[5:] for c in conds if c.of and c.of.startswith("peak_")}


def describe_condition(c: Condition) -> str:
    """A condition in a few words: ``effective < 5,000``, ``casualties >= 0.5 x deployed``."""
    if c.comparison == "between":
        lo, hi = c.value
        ref = "" if c.of is None else f" x {c.of}"
        return f"{c.measure} in [{lo:g}, {hi:g}]{ref}"
    words = {"below": "<", "at_most": "<=", "above": ">", "at_least": ">="}[c.comparison]
    if c.of is None:
        value = f"{c.value:,g}"
    elif c.value == 1:
        value = c.of
    else:
        value = f"{c.value:g} x {c.of}"
    return f"{c.measure} {words} {value}"


def measure_unit(name: str) -> str:
    """The unit of a recorded measure: people, or thousandths for a ratio kept scaled
    (:data:`sim.scenario.SCALED`)."""
    return f"1/{SCALED[name]} (thousandths: divide by {SCALED[name]})" if name in SCALED else "people"


def crossing_stats(first: np.ndarray, dates: list[dt.date]) -> dict[str, Any]:
    """Share crossed by the end, and the 5/50/95% first-crossing dates (:data:`CROSSING_COLUMNS`,
    pandas dates; ``NaT``: not by the end)."""
    days = np.where(first == NEVER, np.inf, first.astype(float))
    out: dict[str, Any] = {"probability_by_end": float(np.mean(first != NEVER))}
    for label in CROSSING_COLUMNS:
        q = QUANTILES[QUANTILE_COLUMNS.index(label)]
        d = float(np.quantile(days, q, method="inverted_cdf"))
        out[label] = pd.NaT if math.isinf(d) else pd.Timestamp(dates[int(d)])
    return out


def as_dates(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with ``columns`` as pandas dates (``datetime64``): a missing date (not crossed,
    not said) is always ``NaT``, never None, NaN or a word."""
    for c in columns:
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
    return frame


def plain(value: Any) -> Any:
    """A frame's cell as JSON data: a date as ``YYYY-MM-DD``, a missing value (NaT, NaN) as None,
    numpy scalars as Python numbers."""
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return value.item() if isinstance(value, np.generic) else value


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON data (:func:`plain` on every cell)."""
    return [{k: plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


def crossing_curve(first: np.ndarray, days: int) -> np.ndarray:
    """Probability of having crossed by each day (cumulative share of replications)."""
    hits = np.bincount(first[first != NEVER], minlength=days)[:days]
    return np.cumsum(hits) / len(first)


class Crossings:
    """First day each condition is crossed, per replication.

    A crossing is the condition becoming true after having been false, so that "effective
    below 5,000" is not crossed before anyone has arrived, nor "casualties at least
    deployed" on day 0 when both are zero.
    """

    def __init__(self, conditions: dict[str, Condition], reps: int, peaks: Peaks):
        self.conditions = conditions
        self.peaks = peaks
        self.armed = {n: np.zeros(reps, dtype=bool) for n in conditions}
        self.first = {n: np.full(reps, NEVER, dtype=np.int32) for n in conditions}

    def update(self, day: int, m: dict[str, np.ndarray]) -> None:
        for name, cond in self.conditions.items():
            holds = compare(m[cond.measure], cond.comparison, reference(cond, m, self.peaks))
            armed, first = self.armed[name], self.first[name]
            new = holds & armed & (first == NEVER)
            first[new] = day
            armed |= ~holds


class Recorder(Protocol):
    def record(self, day: int, m: dict[str, np.ndarray]) -> None: ...


def int_quantiles(values: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles of integer values, identical to ``np.quantile(values, qs)`` (linear method).

    Counts values instead of partitioning them: a few nanoseconds a value when their range
    is not much wider than their number (head counts), with ``np.quantile`` otherwise.
    """
    lo, hi = int(values.min()), int(values.max())
    n = values.size
    if lo == hi:
        return np.full(len(qs), float(lo))
    if hi - lo > 4 * n + 1024:
        return np.quantile(values, qs)
    cum = np.cumsum(np.bincount(values - lo, minlength=hi - lo + 1))
    h = (n - 1) * np.asarray(qs)
    k = np.floor(h).astype(np.int64)
    # The k-th order statistic (0-based) is the first value whose cumulative count exceeds k.
    below = np.searchsorted(cum, k, side="right")
    above = np.searchsorted(cum, np.minimum(k + 1, n - 1), side="right")
    return lo + below + (h - k) * (above - below)


class QuantileRecorder:
    """Per-day quantiles and means of each measure, computed as the days go by."""

    def __init__(self, days: int, measures: tuple[str, ...] = MEASURES):
        self.measures = measures
        self.q = np.zeros((len(measures), days, len(QUANTILES)))
        self.mean = np.zeros((len(measures), days))

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        first = m[self.measures[0]]
        if first.size < 4096:  # few replications: one partition of all measures is cheaper
            stack = np.stack([m[k] for k in self.measures])
            self.q[:, day, :] = np.quantile(stack, QUANTILES, axis=1).T
            self.mean[:, day] = stack.mean(axis=1)
            return
        for i, k in enumerate(self.measures):
            v = m[k]
            self.q[i, day, :] = np.quantile(v, QUANTILES) if k in SCALED else int_quantiles(v)
            self.mean[i, day] = v.mean()


class TrajectoryRecorder:
    """Every measure of every replication on every day (reps x days arrays: int64, float for a
    ratio)."""

    def __init__(self, days: int, reps: int, measures: tuple[str, ...] = MEASURES):
        self.measures = measures
        self.data = {k: np.zeros((reps, days), dtype=float if k in SCALED else np.int64) for k in measures}

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        for k in self.measures:
            self.data[k][:, day] = m[k]

    def quantiles(self) -> tuple[np.ndarray, np.ndarray]:
        """The same table :class:`QuantileRecorder` builds, from the kept trajectories."""
        q = np.stack([np.quantile(self.data[k], QUANTILES, axis=0).T for k in self.measures])
        mean = np.stack([self.data[k].mean(axis=0) for k in self.measures])
        return q, mean


class SampleRecorder:
    """Full trajectories of a few replications, for plots."""

    def __init__(self, days: int, rows: np.ndarray, measures: tuple[str, ...] = MEASURES):
        self.rows = rows
        self.data = {k: np.zeros((len(rows), days), dtype=float if k in SCALED else np.int64) for k in measures}

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        for k, v in self.data.items():
            v[:, day] = m[k][self.rows]
