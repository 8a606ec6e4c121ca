"""Grid (``grid``): every combination of ``n`` evenly spaced levels per parameter, ``n**k``
points over ``k`` parameters.

Its analysis is the output over the first two parameters, averaged over any others
(:func:`grid_table`, drawn by :func:`plot_heatmap`); a grid over one parameter gets scatter
plots instead.  A median crossing day is averaged only where every point of the cell has one:
a cell holding a censored point (fewer than half the runs cross by the end) has none, is
hatched in the heatmap and reads ``> end``.
"""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pandas as pd

from ... import chartstyle as style
from ...domains import param_label
from ..figures import HATCH, Chart, fmt, label, new_axes, panels, say, scatter_charts
from ..frame import AnalysisError, output_columns, output_values, parameters, pick_output, settings
from . import Design, DesignError


class Grid(Design):
    name = "grid"
    description = "every combination of n levels"
    n_counts = "levels per parameter"
    default_n = 5

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        return n**k

    def rules(self, k: int, n: int, levels: int) -> None:
        if n < 2:
            raise DesignError(f"a grid needs at least 2 levels per parameter (got n={n})", "n")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        axis = np.linspace(0.0, 1.0, n)
        return np.array(list(itertools.product(axis, repeat=k)), dtype=float).reshape(-1, k)

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``grid``: the long form of :func:`grid_table` for every output (``output``, the first
        two parameters, ``value``; ``points`` averaged in the cell, ``after_end`` of them
        censored, and a ``note``)."""
        keep = parameters(frame)[:2]
        parts = []
        for o in output_columns(frame):
            cells = _cells(frame, o, keep).reset_index()
            info = output_values(frame, o)
            flat = info.no_variation()
            cells["note"] = [flat or _cell_note(r.after_end, r.points, info) for r in cells.itertuples()]
            parts.append(cells.assign(output=o))
        table = pd.concat(parts, ignore_index=True)
        return {"grid": table[["output", *keep, "value", "points", "after_end", "note"]]}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        if len(parameters(frame)) < 2:
            return scatter_charts(frame)
        return [("heatmap.png", partial(panels, frame, plot_heatmap))]


def _cells(frame: pd.DataFrame, output: str, keys: list[str]) -> pd.DataFrame:
    """Per combination of ``keys``: the output's mean (NaN where any point is censored or
    missing), the number of points, how many are censored, and the mean probability of
    crossing (for a day output whose sweep has it)."""
    info = output_values(frame, output)
    data = frame[keys].assign(_v=info.values, _cut=info.censored, _p=frame[info.crossing] if info.crossing else np.nan)
    g = data.groupby(keys)
    return pd.DataFrame(
        {
            "value": g["_v"].agg(lambda v: v.mean() if v.notna().all() else np.nan),
            "points": g.size(),
            "after_end": g["_cut"].sum().astype(int),
            "p_cross": g["_p"].mean(),
        }
    )


def _cell_note(after_end: int, points: int, info) -> str:
    if after_end == 0:
        return ""
    share = "" if after_end == points else f" at {after_end} of {points} points averaged"
    return f"median day after the end{share} ({info.after})"


def grid_table(
    frame: pd.DataFrame, output: str | None = None, x: str | None = None, y: str | None = None
) -> pd.DataFrame:
    """The output over a grid of two parameters (rows ``y``, columns ``x``), averaged over the
    other swept parameters if any [default: the first two parameters].  A median crossing day
    is missing (NaN) in a cell where fewer than half the runs of some point cross by the end."""
    return _grid(frame, output, x, y)["value"]


def _grid(frame: pd.DataFrame, output: str | None, x: str | None, y: str | None) -> dict[str, pd.DataFrame]:
    """The tables of :func:`_cells` over the grid of ``x`` (columns) and ``y`` (rows), checked."""
    sw = settings(frame)
    if sw["design"] != "grid":
        raise AnalysisError(f"a heatmap needs the grid design; this sweep's design is {sw['design']}")
    output = pick_output(frame, output)
    params = parameters(frame)
    if len(params) < 2:
        raise AnalysisError("a heatmap needs a grid over at least two parameters")
    x = x or params[0]
    y = y or params[1]
    for name in (x, y):
        if name not in params:
            raise AnalysisError(f"{name!r} is not a swept parameter; swept: {', '.join(params)}")
    cells = _cells(frame, output, [y, x])
    return {c: cells[c].unstack(x) for c in cells.columns}


def _ink(shade) -> str:
    """The colour of a number written on a cell of colour ``shade`` (RGBA): light on a dark
    cell, dark on a light one, by the cell's luminance (the middle of the map is grey)."""
    red, green, blue = shade[:3]
    return style.ON_DARK if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else style.ON_LIGHT


def plot_heatmap(frame: pd.DataFrame, output: str | None = None, x: str | None = None, y: str | None = None, ax=None):
    """The output over a grid of two parameters (averaged over any others), with its values.

    A cell whose median crossing day is after the end (fewer than half the runs cross by then,
    at some point of the cell) is hatched grey and reads ``> end`` with the share of runs that
    do cross, instead of being coloured as a day.  An output with one value everywhere gets a
    panel saying so."""
    from matplotlib.patches import Rectangle

    output = output or output_columns(frame)[0]
    tables = _grid(frame, output, x, y)
    table = tables["value"]
    info = output_values(frame, output)
    ax = new_axes(ax, (6.5, 5.0))
    flat = info.no_variation()
    if flat:
        return say(ax, flat, output)
    values = table.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto", cmap=style.HEATMAP)
    ax.set_xticks(range(table.shape[1]), [fmt(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [fmt(v) for v in table.index], fontsize=8)
    ax.set_xlabel(param_label(table.columns.name))
    ax.set_ylabel(param_label(table.index.name))
    after = tables["after_end"].to_numpy()
    points = tables["points"].to_numpy()
    crossing = tables["p_cross"].to_numpy(dtype=float)
    for (i, j), n in np.ndenumerate(after):
        if n:
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5), 1, 1, facecolor=style.CENSORED_FILL, edgecolor=style.CENSORED, hatch=HATCH, lw=0
                )
            )
    if table.size <= 144:
        for (i, j), v in np.ndenumerate(values):
            if after[i, j]:
                text = "> end" if after[i, j] == points[i, j] else f"> end at\n{after[i, j]}/{points[i, j]}"
                if not np.isnan(crossing[i, j]):
                    text += f"\n{crossing[i, j]:.0%} cross"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=style.ON_LIGHT)
            elif not np.isnan(v):
                ax.text(j, i, fmt(v), ha="center", va="center", fontsize=7, color=_ink(im.cmap(im.norm(v))))
    ax.figure.colorbar(im, ax=ax, label=label(info))
    notes = []
    others = [p for p in parameters(frame) if p not in (table.columns.name, table.index.name)]
    if others:
        notes.append(f"averaged over {', '.join(others)}")
    if after.any():
        notes.append(f"hatched, > end: median day after the end ({info.after})")
    ax.set_title("\n".join(notes), fontsize=8)
    return ax
