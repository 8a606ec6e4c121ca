"""The result of a run: tables as pandas frames, a summary, plots, and files on disk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .claims import evaluate_claims
from .measures import (
    CROSSING_COLUMNS,
    NEVER,
    QUANTILE_COLUMNS,
    as_dates,
    crossing_curve,
    crossing_stats,
    describe_condition,
    measure_unit,
    plain_records,
)
from .scenario import MEASURES, Scenario


@dataclass
class Result:
    """What a run returns.  Frames are built on first use."""

    scenario: Scenario
    seed: int
    reps: int
    version: str
    dates: list[dt.date]
    q: np.ndarray  # (measures, days, quantiles)
    mean: np.ndarray  # (measures, days)
    first_crossing: dict[str, np.ndarray]  # threshold -> first-crossing day per replication
    holds_on: dict[str, np.ndarray]  # claim id -> whether its state holds on its date, per rep
    samples: dict[str, np.ndarray]  # measure -> (sample reps, days)
    trajectories: dict[str, np.ndarray] | None = None
    phase_days: list[int] = field(default_factory=list)
    arrival_days: list[int] = field(default_factory=list)
    measures: tuple[str, ...] = MEASURES  # the rows of q and mean: the built-in measures, then the derived

    # -- frames -------------------------------------------------------------------------------
    @cached_property
    def quantiles(self) -> pd.DataFrame:
        """Tidy daily table: one row per date and measure, with mean and quantiles."""
        n_days = len(self.dates)
        frame = pd.DataFrame(
            {
                "date": np.tile(pd.to_datetime(self.dates), len(self.measures)),
                "measure": np.repeat(self.measures, n_days),
                "mean": self.mean.reshape(-1),
            }
        )
        for i, col in enumerate(QUANTILE_COLUMNS):
            frame[col] = self.q[:, :, i].reshape(-1)
        return frame

    def measure(self, name: str) -> pd.DataFrame:
        """One measure's daily mean and quantiles, indexed by date (a built-in measure or one the
        scenario derives)."""
        if name not in self.measures:
            raise ValueError(f"unknown measure {name!r}; allowed: {', '.join(self.measures)}")
        i = self.measures.index(name)
        frame = pd.DataFrame(self.q[i], columns=list(QUANTILE_COLUMNS), index=pd.to_datetime(self.dates))
        frame.insert(0, "mean", self.mean[i])
        frame.index.name = "date"
        return frame

    @cached_property
    def thresholds(self) -> pd.DataFrame:
        """Per threshold: the condition, share crossed by the end, and the 5%, 50% and 95%
        first-crossing dates (``q05``, ``q50``, ``q95``: pandas dates; ``NaT``: not by the end)."""
        rows = []
        for name in self.scenario.thresholds:
            first = self.first_crossing[name]
            stats = crossing_stats(first, self.dates)
            rows.append({"threshold": name, "condition": describe_condition(self.scenario.thresholds[name]), **stats})
        cols = ["threshold", "condition", "probability_by_end", *CROSSING_COLUMNS]
        return as_dates(pd.DataFrame(rows, columns=cols), CROSSING_COLUMNS)

    @cached_property
    def crossing(self) -> pd.DataFrame:
        """Probability of having crossed each threshold by each date (tidy)."""
        n = len(self.dates)
        parts = [
            pd.DataFrame(
                {
                    "date": pd.to_datetime(self.dates),
                    "threshold": name,
                    "probability": crossing_curve(self.first_crossing[name], n),
                }
            )
            for name in self.scenario.thresholds
        ]
        if not parts:
            return pd.DataFrame(columns=["date", "threshold", "probability"])
        return pd.concat(parts, ignore_index=True)

    def first_crossing_dates(self, name: str) -> pd.Series:
        """Each replication's first-crossing date for a threshold (NaT: not crossed)."""
        first = self.first_crossing[name]
        start = pd.Timestamp(self.dates[0])
        out = pd.Series(start + pd.to_timedelta(first, unit="D"), name=name)
        out[first == NEVER] = pd.NaT
        return out

    # -- summary ------------------------------------------------------------------------------
    @cached_property
    def claims(self) -> pd.DataFrame:
        """Each claim: probability it holds, first-crossing dates and a verdict."""
        return evaluate_claims(self)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary with provenance."""
        last = {
            m: {"mean": float(self.mean[i, -1]), **{c: float(self.q[i, -1, j]) for j, c in enumerate(QUANTILE_COLUMNS)}}
            for i, m in enumerate(self.measures)
        }
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "start": self.dates[0].isoformat(),
            "end": self.dates[-1].isoformat(),
            "reps": self.reps,
            "seed": self.seed,
            "version": self.version,
            "thresholds": {
                r["threshold"]: {k: v for k, v in r.items() if k != "threshold"} for r in plain_records(self.thresholds)
            },
            "claims": plain_records(self.claims),
            "final_day": last,
            "units": {
                "measures": {m: measure_unit(m) for m in self.measures},
                "quantiles.csv": "each measure's unit (see measures); date: the day",
                "thresholds.csv": "probability_by_end: a share of runs; q05, q50, q95: dates (empty: not by the end)",
                "crossing.csv": "probability: the share of runs that have crossed by the date",
            },
        }

    def plot(self, measure: str = "effective", ax=None, **kwargs):
        """Fan chart of one measure: median, 50% and 90% bands and sample runs; the thresholds on
        it at their level of each day, the postures named, arrivals and departures, reported
        figures (``estimates=``) by reporter with their errors (see :func:`sim.charts.fan_chart`)."""
        # The charts sit a layer above (sim.charts) and need matplotlib, which a result used for
        # its frames alone never loads.
        from .charts import fan_chart

        return fan_chart(self, measure=measure, ax=ax, **kwargs)

    def plot_sides(self, ax=None, **kwargs):
        """Both sides' soldiers on duty (a scenario with an opponent): bands, medians, arrivals."""
        from .charts import sides_chart

        return sides_chart(self, ax=ax, **kwargs)

    def plot_crossing(self, ax=None, **kwargs):
        """Probability of having crossed each threshold by each date, each threshold in its colour
        on the fan charts (``marks=`` adds dated lines, e.g. claims' dates)."""
        from .charts import crossing_chart

        return crossing_chart(self, ax=ax, **kwargs)

    def save(self, out_dir, plot: bool = True, estimates=None, save_runs: bool = False, values=None) -> list[Path]:
        """Write the outputs into ``out_dir`` (a path or a checked
        :class:`~sim.folders.OutputFolder`) atomically; the folder must be new, empty or an
        earlier output of this tool (see :mod:`sim.folders`).  Reported ``estimates`` (an
        :class:`~sim.estimates.Estimates`) are drawn on the fan charts and listed in
        ``report.html``.

        ``save_runs`` also writes every run as data: ``runs.parquet`` (a row per run: parameter
        values, first-crossing dates, claim outcomes) and ``trajectories.nc`` (every measure of
        every run on every day), see :mod:`sim.runs_data`.  It needs a result run with
        ``keep_trajectories=True``; give the run's ``values`` too when it was given some
        (posterior rows, ``sim.run(values=...)``), so that the file holds them::

            sim.run(scenario, reps=500, keep_trajectories=True).save("out/k", save_runs=True)
        """
        # Writing files is the report layer's (sim.outputs), above this one.
        from .outputs import write_run

        return write_run(self, out_dir, plot=plot, estimates=estimates, save_runs=save_runs, values=values)
