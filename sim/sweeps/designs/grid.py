"""Grid (``grid``): every combination of ``n`` evenly spaced levels per parameter, ``n**k``
points over ``k`` parameters.

Its analysis is the output over the first two parameters, averaged over any others
(:func:`grid_table`, drawn by :func:`plot_heatmap`); a grid over one parameter gets scatter
plots instead.
"""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pandas as pd

from ..figures import Chart, fmt, new_axes, panels, scatter_charts
from ..frame import AnalysisError, output_columns, parameters, pick_output, settings
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
        two parameters, ``value``)."""
        keep = parameters(frame)[:2]
        parts = [
            frame.groupby(keep, as_index=False)[o].mean().rename(columns={o: "value"}).assign(output=o)
            for o in output_columns(frame)
        ]
        table = pd.concat(parts, ignore_index=True)
        return {"grid": table[["output", *keep, "value"]]}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        if len(parameters(frame)) < 2:
            return scatter_charts(frame)
        return [("heatmap.png", partial(panels, frame, plot_heatmap))]


def grid_table(
    frame: pd.DataFrame, output: str | None = None, x: str | None = None, y: str | None = None
) -> pd.DataFrame:
    """The output over a grid of two parameters (rows ``y``, columns ``x``), averaged over the
    other swept parameters if any [default: the first two parameters]."""
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
    return frame.pivot_table(index=y, columns=x, values=output, aggfunc="mean")


def plot_heatmap(frame: pd.DataFrame, output: str | None = None, x: str | None = None, y: str | None = None, ax=None):
    """The output over a grid of two parameters (averaged over any others), with its values."""
    table = grid_table(frame, output, x, y)
    output = output or output_columns(frame)[0]
    ax = new_axes(ax, (6.5, 5.0))
    im = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [fmt(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [fmt(v) for v in table.index], fontsize=8)
    ax.set_xlabel(table.columns.name)
    ax.set_ylabel(table.index.name)
    if table.size <= 144:
        mid = np.nanmean(table.to_numpy())
        for (i, j), v in np.ndenumerate(table.to_numpy()):
            ax.text(j, i, fmt(v), ha="center", va="center", fontsize=7, color="white" if v < mid else "black")
    ax.figure.colorbar(im, ax=ax, label=output)
    others = [p for p in parameters(frame) if p not in (table.columns.name, table.index.name)]
    if others:
        ax.set_title(f"averaged over {', '.join(others)}", fontsize=9)
    return ax
