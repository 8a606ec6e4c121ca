"""Reading a sweep's frame: the settings, parameters and outputs the analyses work from.

:func:`sim.sweep` returns one row per point and keeps the sweep's settings in
``frame.attrs["sweep"]`` (:func:`sim.sweeps.execution.load_sweep` reads them back from the
folder); every analysis and chart reads the frame through these functions.

:func:`output_values` says what an output's values mean: its unit, and for a median crossing
day which points are censored (fewer than half their replications cross by the end, so the
median day is after it and missing) and whether the output varies at all.  The analyses and
charts never average, colour or correlate a censored day as if it were a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .scalars import Output, OutputSpecError, parse_output


class AnalysisError(ValueError):
    """The sweep does not support the analysis asked for; the message says why."""


def settings(frame: pd.DataFrame) -> dict[str, Any]:
    """The sweep's settings, as :func:`sim.sweep` stores them in ``frame.attrs``."""
    sw = frame.attrs.get("sweep")
    if not sw:
        raise AnalysisError(
            "the frame carries no sweep settings (attrs['sweep']); "
            "use the frame sim.sweep returns or sim.sweeps.execution.load_sweep reads"
        )
    return sw


def output_columns(frame: pd.DataFrame) -> list[str]:
    """The sweep's numeric outputs, in order."""
    return list(settings(frame)["outputs"])


def parameters(frame: pd.DataFrame) -> list[str]:
    """The swept parameters' paths, in order."""
    return list(settings(frame)["params"])


def pick_output(frame: pd.DataFrame, output: str | None) -> str:
    """The output column ``output`` names, checked [default: the first output]."""
    outs = output_columns(frame)
    if output is None:
        return outs[0]
    if output not in outs:
        raise AnalysisError(f"no output {output!r} in this sweep; outputs: {', '.join(outs)}")
    return output


def by_output(frame: pd.DataFrame, analysis: Callable[[pd.DataFrame, str], pd.DataFrame]) -> pd.DataFrame:
    """``analysis(frame, output)`` for every output, stacked into one tidy frame with an
    ``output`` column first."""
    parts = [analysis(frame, o).assign(output=o) for o in output_columns(frame)]
    for part in parts:
        # pandas compares the parts' attrs when stacking them, and frames there (Sobol's S2) cannot be compared.
        part.attrs = {}
    table = pd.concat(parts, ignore_index=True)
    return table[["output", *[c for c in table.columns if c != "output"]]]


@dataclass(frozen=True)
class OutputValues:
    """An output's values at every point, and what a missing one means.

    Attributes
    ----------
    name : str
        The output's column.
    values : ndarray
        The values, NaN where missing.
    unit : str or None
        ``day``, ``probability``, ``people``, ``ratio`` (see :data:`sim.sweeps.scalars.UNITS`),
        or None for a column the sweep does not describe.
    end : datetime.date or None
        The scenario's last day, for a first-crossing day output (None for any other output).
    after_end : int or None
        The first day after the run, in days from the start (where a chart draws a censored
        point), for a first-crossing day output.
    crossing : str or None
        The column of the probability of crossing beside a day output, if the sweep has it.
    """

    name: str
    values: np.ndarray
    unit: str | None = None
    end: dt.date | None = None
    after_end: int | None = None
    crossing: str | None = None

    @property
    def is_day(self) -> bool:
        return self.end is not None

    @property
    def censored(self) -> np.ndarray:
        """Points whose median day is after the end (all False for any other output)."""
        return np.isnan(self.values) if self.is_day else np.zeros(len(self.values), dtype=bool)

    @property
    def defined(self) -> np.ndarray:
        """Points with a value."""
        return ~np.isnan(self.values)

    @property
    def after(self) -> str:
        """Why a point is censored, in a few words."""
        return f"fewer than half the runs cross by {self.end}"

    def no_variation(self) -> str | None:
        """``no variation (always 0)`` when the output takes one value at every point (or is
        censored at every one); None when it varies."""
        v = self.values
        if len(v) == 0:
            return None
        if self.is_day and self.censored.all():
            return f"no variation (median day after the end at every point: {self.after})"
        if self.censored.any() or np.isnan(v).any():
            return None
        if np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max())):
            return f"no variation (always {fmt(float(v[0]))})"
        return None

    def censored_note(self) -> str | None:
        """How many points are censored and why, or None if none is."""
        n = int(self.censored.sum())
        if n == 0:
            return None
        return f"median day after the end at {n} of {len(self.values)} points ({self.after})"


def fmt(v: float) -> str:
    """A number for a label: three significant digits, or whole with thousands separators."""
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _output(column: str) -> Output | None:
    try:
        return parse_output(column)
    except OutputSpecError:
        return None


def output_values(frame: pd.DataFrame, output: str) -> OutputValues:
    """The output ``output`` at every point of the sweep, with its unit and, for a median
    crossing day, the run's end and which points are censored (see :class:`OutputValues`)."""
    values = pd.to_numeric(frame[output], errors="coerce").to_numpy(dtype=float)
    out = _output(output)
    if out is None:
        return OutputValues(output, values)
    if not out.is_day:
        return OutputValues(output, values, out.unit)
    scenario = settings(frame).get("scenario") or {}
    start, end = (dt.date.fromisoformat(str(scenario[k])) for k in ("start", "end"))
    crossing = f"p_cross:{out.name}"
    return OutputValues(
        output,
        values,
        out.unit,
        end=end,
        after_end=(end - start).days + 1,
        crossing=crossing if crossing in frame.columns else None,
    )
