"""One at a time (``oat``): a baseline with every parameter at its middle, then each parameter
in turn at ``n`` evenly spaced levels, the others at their middle (the middle level, if any,
being the baseline): ``1 + k * n`` points over ``k`` parameters, or ``1 + k * (n - 1)`` when
``n`` is odd.

Each point's ``varied`` column names the parameter it moves (``baseline`` for none).  The
analysis is the tornado (:func:`tornado`, drawn by :func:`plot_tornado`): each parameter's
swing from its low to its high end.  A median crossing day after the end (fewer than half the
runs cross) is missing, not a day: the swing to it is unknown, only bounded below, and the
chart draws that end past the run's end with its own marker.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from ... import chartstyle as style
from ..figures import AFTER_END, HATCH, Chart, end_line, fmt, label, new_axes, panels, say
from ..frame import AnalysisError, by_output, output_columns, output_values, parameters, pick_output, settings
from . import Design, DesignError


class OneAtATime(Design):
    name = "oat"
    description = "one at a time"
    n_counts = "levels per parameter"
    default_n = 2
    extra_columns = ("varied",)

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        return 1 + k * (n - n % 2)

    def rules(self, k: int, n: int, levels: int) -> None:
        if n < 2:
            raise DesignError(f"one-at-a-time needs at least 2 levels (got n={n})", "n")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        steps = [u for u in np.linspace(0.0, 1.0, n) if not math.isclose(u, 0.5)]
        rows = [np.full(k, 0.5)]
        for i in range(k):
            for u in steps:
                row = np.full(k, 0.5)
                row[i] = u
                rows.append(row)
        return np.array(rows)

    def extra(self, unit: np.ndarray, paths: list[str]) -> dict[str, list[str]]:
        """``varied``: the parameter each point moves off its middle, ``baseline`` for none."""
        moved = unit != 0.5
        return {"varied": [paths[int(np.argmax(row))] if row.any() else "baseline" for row in moved]}

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``tornado``: :func:`tornado` for every output."""
        return {"tornado": by_output(frame, tornado)}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        return [("tornado.png", partial(panels, frame, plot_tornado))]


def tornado(frame: pd.DataFrame, output: str | None = None) -> pd.DataFrame:
    """Swing of the output as each parameter goes from its low to its high end, the others at
    their middle (one-at-a-time design), largest swing first.

    Returns
    -------
    DataFrame
        ``param``, ``low``, ``high`` (parameter values), ``at_low``, ``at_high`` (the output
        there), ``baseline`` (all at their middle), ``swing`` (``at_high - at_low``) and
        ``note``.  A median crossing day after the end is NaN, and so is a swing to it; the
        note says so and gives the least the swing can be.  Such a swing is ordered by that
        least value.
    """
    sw = settings(frame)
    if sw["design"] != "oat":
        raise AnalysisError(f"a tornado chart needs the oat design; this sweep's design is {sw['design']}")
    output = pick_output(frame, output)
    info = output_values(frame, output)
    value = pd.Series(info.values, index=frame.index)
    base = value[frame["varied"] == "baseline"]
    if base.empty:
        raise AnalysisError("the baseline point is not done yet; resume the sweep first")
    flat = info.no_variation()
    rows, order = [], []
    for p in parameters(frame):
        part = frame[frame["varied"] == p].sort_values(p)
        if part.empty:
            continue
        lo, hi = part.index[0], part.index[-1]
        at_low, at_high = float(value[lo]), float(value[hi])
        swing, least, note = _swing(at_low, at_high, info)
        if math.isnan(base.iloc[0]) and info.is_day:
            note = "; ".join(filter(None, [note, f"baseline after the end ({info.after})"]))
        rows.append(
            {
                "param": p,
                "low": frame.at[lo, p],
                "high": frame.at[hi, p],
                "at_low": at_low,
                "at_high": at_high,
                "baseline": float(base.iloc[0]),
                "swing": swing,
                "note": flat or note,
            }
        )
        order.append(least)
    out = pd.DataFrame(rows, columns=["param", "low", "high", "at_low", "at_high", "baseline", "swing", "note"])
    ranks = pd.Series(order, dtype=float).sort_values(ascending=False, kind="stable").index
    return out.loc[ranks].reset_index(drop=True)


def _swing(at_low: float, at_high: float, info) -> tuple[float, float, str]:
    """The swing (NaN if an end is censored), the least its size can be, and a note."""
    low_out, high_out = math.isnan(at_low), math.isnan(at_high)
    if not (low_out or high_out):
        return at_high - at_low, abs(at_high - at_low), ""
    if low_out and high_out:
        return math.nan, 0.0, f"after the end at both ends ({info.after})"
    known = at_high if low_out else at_low
    least = info.after_end - known
    end, way = ("at_low", "falls") if low_out else ("at_high", "rises")
    return math.nan, least, f"{end} after the end ({info.after}): low to high, it {way} by at least {fmt(least)} days"


def plot_tornado(frame: pd.DataFrame, output: str | None = None, ax=None):
    """Bars from the output at each parameter's low end to its high end, largest swing on top;
    the vertical line is the baseline (every parameter at its middle).  An end whose median
    crossing day is after the run's end is a hatched bar reaching past the dotted end line,
    marked with a triangle; an output with one value everywhere gets a panel saying so."""
    t = tornado(frame, output)
    output = output or output_columns(frame)[0]
    info = output_values(frame, output)
    ax = new_axes(ax)
    flat = info.no_variation()
    if flat:
        return say(ax, flat)

    def shown(v: float) -> float:
        return float(info.after_end) if math.isnan(v) else v

    base = shown(t["baseline"].iloc[0]) if len(t) else 0.0
    y = np.arange(len(t))[::-1]
    censored = False
    for yi, r in zip(y, t.itertuples(), strict=True):
        for v, colour in ((r.at_low, style.LOW), (r.at_high, style.HIGH)):
            if math.isnan(v):
                censored = True
                ax.barh(yi, shown(v) - base, left=base, color=colour, alpha=0.35, hatch=HATCH, height=0.6)
                ax.scatter([shown(v)], [yi], **AFTER_END)
            else:
                ax.barh(yi, v - base, left=base, color=colour, height=0.6)
    ax.axvline(base, color=style.BLACK, lw=1)
    title = "One at a time: light blue at the low end, orange at the high end"
    if censored or math.isnan(t["baseline"].iloc[0]):
        end_line(ax, info, "x")
        title += f"\nhatched: median day after the end ({info.after})"
        if math.isnan(t["baseline"].iloc[0]):
            title += "; the baseline's too"
    ax.margins(x=0.05)
    ax.set_yticks(y, [f"{r.param}\n{fmt(r.low)} \u2192 {fmt(r.high)}" for r in t.itertuples()], fontsize=8)
    ax.set_xlabel(label(info))
    ax.set_title(title, fontsize=9)
    return ax
