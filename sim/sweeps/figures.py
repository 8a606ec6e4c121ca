"""What the designs' charts share (matplotlib): axes, number labels, a figure with a panel per
output, scatter plots of an output against each parameter, and the marks every chart gives a
censored point (a median day after the end) and an output that does not vary.

Each ``plot_*`` function draws one output on one axes (or one panel per parameter) and returns
them; a design's ``charts`` pairs file names with functions drawing whole figures, which
:func:`sim.sweeps.charts.write_plots` saves.

A censored point is never drawn as a day: a heatmap hatches its cell and writes ``> end`` in
it, a scatter plot or tornado draws it past the run's end with its own marker (:data:`AFTER_END`)
beside a dotted line at the end.  An output with one value everywhere gets a panel saying
``no variation (always 0)`` instead of an empty plot or an axis of +-1e-17.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from .. import chartstyle as style
from ..domains import param_label
from .frame import OutputValues, fmt, output_columns, output_values, parameters

__all__ = [
    "AFTER_END",
    "HATCH",
    "Chart",
    "end_line",
    "fmt",
    "label",
    "new_axes",
    "panels",
    "plot_scatter",
    "say",
    "scatter_charts",
]

#: A chart file: its name, and a function drawing its figure.
Chart = tuple[str, Callable[[], Any]]
#: How a censored point (median day after the end) is drawn: the hatch of a heatmap cell or a
#: tornado's bar, and the marker of a point past the end (colours: :mod:`sim.chartstyle`).
HATCH = "///"
AFTER_END = {"marker": ">", "color": style.CENSORED_MARK, "s": 28, "zorder": 3}


def new_axes(ax=None, size=(7.0, 4.0)):
    """``ax``, or the axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def say(ax, text: str, title: str | None = None):
    """An axes holding only ``text`` (an output with no variation, an analysis not computed)."""
    import textwrap

    ax.clear()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, textwrap.fill(text, 60), ha="center", va="center", fontsize=9, transform=ax.transAxes)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def label(info: OutputValues) -> str:
    """An output's name with its unit, for an axis or a colour bar."""
    return f"{info.name} ({info.unit})" if info.unit else info.name


def end_line(ax, info: OutputValues, axis: str = "y") -> None:
    """A dotted line at the run's end on a day axis, where censored points are drawn past, and
    a legend naming it and the marker of a censored point."""
    from matplotlib.lines import Line2D

    at = info.after_end - 0.5
    (ax.axhline if axis == "y" else ax.axvline)(at, ls=":", color=style.CENSORED, lw=1)
    marker = {k: v for k, v in AFTER_END.items() if k in ("marker", "color")}
    handles = [
        Line2D([], [], ls=":", color=style.CENSORED, label=f"end of the run ({info.end})"),
        Line2D([], [], ls="", markersize=6, label="> end: median day after it", **marker),
    ]
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)


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
        if titled and ax.get_title() != o:
            ax.set_title(f"{o}\n{ax.get_title()}".strip(), fontsize=9)
    for ax in grid.ravel()[len(outs) :]:
        ax.set_visible(False)
    return fig


def plot_scatter(frame: pd.DataFrame, output: str | None = None, axes=None):
    """The output at each point against each parameter, one panel per parameter; a censored
    point (median day after the end) is drawn past the end with its own marker."""
    output = output or output_columns(frame)[0]
    params = parameters(frame)
    info = output_values(frame, output)
    if axes is None:
        import matplotlib.pyplot as plt

        cols = min(4, len(params))
        rows = -(-len(params) // cols)
        fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), layout="constrained", squeeze=False)
        axes = grid.ravel()
        for ax in axes[len(params) :]:
            ax.set_visible(False)
        note = info.no_variation() or info.censored_note()
        fig.suptitle(output + (f"\n{note}" if note else ""), fontsize=9)
    flat = info.no_variation()
    cut = info.censored
    for ax, p in zip(axes, params, strict=False):
        if flat:
            say(ax, flat)
        else:
            x = frame[p].to_numpy(dtype=float)
            ax.scatter(x[~cut], info.values[~cut], s=6, alpha=0.6, color=style.MODEL)
            if cut.any():
                ax.scatter(x[cut], [info.after_end] * int(cut.sum()), **AFTER_END)
                end_line(ax, info)
            ax.set_ylabel(label(info), fontsize=8)
        ax.set_xlabel(param_label(p), fontsize=8)
    return axes


def _scatter_figure(frame: pd.DataFrame, output: str):
    return plot_scatter(frame, output)[0].figure


def scatter_charts(frame: pd.DataFrame) -> list[Chart]:
    """A scatter file per output: ``scatter-1.png``, ``scatter-2.png``, ..."""
    return [(f"scatter-{i + 1}.png", partial(_scatter_figure, frame, o)) for i, o in enumerate(output_columns(frame))]
