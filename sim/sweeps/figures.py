"""What the designs' charts share (matplotlib): axes, number labels, a figure with a panel per
output, and scatter plots of an output against each parameter.

Each ``plot_*`` function draws one output on one axes (or one panel per parameter) and returns
them; a design's ``charts`` pairs file names with functions drawing whole figures, which
:func:`sim.sweeps.charts.write_plots` saves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from .frame import output_columns, parameters

#: A chart file: its name, and a function drawing its figure.
Chart = tuple[str, Callable[[], Any]]


def new_axes(ax=None, size=(7.0, 4.0)):
    """``ax``, or the axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def fmt(v: float) -> str:
    """A number for a tick label: three significant digits, or whole with thousands separators."""
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def panels(frame: pd.DataFrame, plot: Callable[..., Any], titled: bool = True):
    """A figure with ``plot(frame, output, ax=ax)`` in a panel per output, two a row.

    Parameters
    ----------
    frame : DataFrame
        A sweep's points, as :func:`sim.sweep` returns them.
    plot : callable
        Draws one output on the axes it is given.
    titled : bool
        Put the output's name above the title ``plot`` gives its panel (for charts whose own
        title does not name it).
    """
    import matplotlib.pyplot as plt

    outs = output_columns(frame)
    cols = min(2, len(outs))
    rows = -(-len(outs) // cols)
    fig, grid = plt.subplots(
        rows, cols, figsize=(7.5 * cols, 4.2 * rows + 0.4 * len(parameters(frame))), layout="constrained", squeeze=False
    )
    for ax, o in zip(grid.ravel(), outs, strict=False):
        plot(frame, o, ax=ax)
        if titled:
            ax.set_title(f"{o}\n{ax.get_title()}".strip(), fontsize=9)
    for ax in grid.ravel()[len(outs) :]:
        ax.set_visible(False)
    return fig


def plot_scatter(frame: pd.DataFrame, output: str | None = None, axes=None):
    """The output at each point against each parameter, one panel per parameter."""
    output = output or output_columns(frame)[0]
    params = parameters(frame)
    if axes is None:
        import matplotlib.pyplot as plt

        cols = min(4, len(params))
        rows = -(-len(params) // cols)
        fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), layout="constrained", squeeze=False)
        axes = grid.ravel()
        for ax in axes[len(params) :]:
            ax.set_visible(False)
        fig.suptitle(output, fontsize=9)
    for ax, p in zip(axes, params, strict=False):
        ax.scatter(frame[p], frame[output], s=6, alpha=0.6)
        ax.set_xlabel(p, fontsize=8)
    return axes


def _scatter_figure(frame: pd.DataFrame, output: str):
    return plot_scatter(frame, output)[0].figure


def scatter_charts(frame: pd.DataFrame) -> list[Chart]:
    """A scatter file per output: ``scatter-1.png``, ``scatter-2.png``, ..."""
    return [(f"scatter-{i + 1}.png", partial(_scatter_figure, frame, o)) for i, o in enumerate(output_columns(frame))]
