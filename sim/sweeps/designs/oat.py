"""One at a time (``oat``): a baseline with every parameter at its middle, then each parameter
in turn at ``n`` evenly spaced levels, the others at their middle (the middle level, if any,
being the baseline): ``1 + k * n`` points over ``k`` parameters, or ``1 + k * (n - 1)`` when
``n`` is odd.

Each point's ``varied`` column names the parameter it moves (``baseline`` for none).  The
analysis is the tornado (:func:`tornado`, drawn by :func:`plot_tornado`): each parameter's
swing from its low to its high end.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from ..figures import Chart, fmt, new_axes, panels
from ..frame import AnalysisError, by_output, output_columns, parameters, pick_output, settings
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
        there), ``baseline`` (all at their middle) and ``swing`` (``at_high - at_low``).
    """
    sw = settings(frame)
    if sw["design"] != "oat":
        raise AnalysisError(f"a tornado chart needs the oat design; this sweep's design is {sw['design']}")
    output = pick_output(frame, output)
    base = frame.loc[frame["varied"] == "baseline", output]
    if base.empty:
        raise AnalysisError("the baseline point is not done yet; resume the sweep first")
    rows = []
    for p in parameters(frame):
        part = frame[frame["varied"] == p].sort_values(p)
        if part.empty:
            continue
        lo, hi = part.iloc[0], part.iloc[-1]
        rows.append(
            {
                "param": p,
                "low": lo[p],
                "high": hi[p],
                "at_low": lo[output],
                "at_high": hi[output],
                "baseline": float(base.iloc[0]),
                "swing": hi[output] - lo[output],
            }
        )
    out = pd.DataFrame(rows, columns=["param", "low", "high", "at_low", "at_high", "baseline", "swing"])
    order = out["swing"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def plot_tornado(frame: pd.DataFrame, output: str | None = None, ax=None):
    """Bars from the output at each parameter's low end to its high end, largest swing on top;
    the vertical line is the baseline (every parameter at its middle)."""
    t = tornado(frame, output)
    output = output or output_columns(frame)[0]
    ax = new_axes(ax)
    y = np.arange(len(t))[::-1]
    for yi, r in zip(y, t.itertuples(), strict=True):
        ax.barh(yi, r.at_low - r.baseline, left=r.baseline, color="#4c72b0", height=0.6)
        ax.barh(yi, r.at_high - r.baseline, left=r.baseline, color="#dd8452", height=0.6)
    ax.axvline(t["baseline"].iloc[0] if len(t) else 0, color="black", lw=1)
    ax.margins(x=0.05)
    ax.set_yticks(y, [f"{r.param}\n{fmt(r.low)} \u2192 {fmt(r.high)}" for r in t.itertuples()], fontsize=8)
    ax.set_xlabel(output)
    ax.set_title("One at a time: blue at the low end, orange at the high end", fontsize=9)
    return ax
