"""The calibration's charts: the fit against the reports (predictive bands of each fitted
measure over time), and ArviZ's trace and pair plots of the chain."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from .. import chartstyle as style
from ..measures import QUANTILE_COLUMNS

if TYPE_CHECKING:
    from .posterior_fit import Calibration


def _reporters(cal: Calibration, measure: str) -> dict[str, tuple[str, int]]:
    """Each report's reporter (its group, else who gave it) and that reporter's place among the
    estimates file's, by report id: the place gives it the colour and marker it has on a run's
    charts (:func:`sim.chartstyle.reporter_style`)."""
    shown = cal.estimates.overlay(measure)
    return {
        i: (str(label), int(rank)) for i, label, rank in zip(shown["id"], shown["label"], shown["rank"], strict=True)
    }


def _draw_reports(ax, obs, fitted: set[str], reporters: dict[str, tuple[str, int]]) -> None:
    """Reports as points with their 90% observation interval and date range, in their reporter's
    colour and marker; lower bounds as upward arrows from the bound; reports not fitted (after
    the cut-off, or left out) hollow, their arrows dashed."""
    labelled: set[str] = set()
    unfitted = bounds = False
    for o in obs:
        used = o.id in fitted
        who, rank = reporters.get(o.id, (o.who, 0))
        colour, marker = style.reporter_style(rank)
        label = None if who in labelled else f"reported by {who}"
        labelled.add(who)
        unfitted |= not used
        mid = pd.Timestamp(o.first + (o.last - o.first) / 2)
        half = (pd.Timestamp(o.last) - pd.Timestamp(o.first)) / 2
        if o.lower_bound:
            bounds = True
            ax.annotate(
                "",
                xy=(mid, o.figure * 1.35 + 1),
                xytext=(mid, o.figure),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "ls": "-" if used else "--"},
            )
            ax.plot([mid], [o.figure], marker="_", ms=14, mew=2, color=colour, label=label)
        else:
            lo, hi = o.interval
            ax.errorbar(
                [mid],
                [o.figure],
                yerr=[[max(o.figure - lo, 0)], [max(hi - o.figure, 0)]],
                xerr=[[half], [half]] if o.last > o.first else None,
                fmt=marker,
                ms=6,
                capsize=3,
                color=colour,
                mfc=colour if used else style.HOLLOW,
                mec=style.BLACK if used else colour,
                mew=0.5 if used else 1.2,
                label=label,
                zorder=4,
            )
    if bounds:
        ax.plot([], [], marker="_", ms=14, mew=2, ls="none", color=style.SEEN, label="a lower bound (arrow up)")
    if unfitted:
        ax.plot(
            [],
            [],
            "o",
            color=style.SEEN,
            mfc=style.HOLLOW,
            ls="none",
            label="hollow: not fitted (after cut-off or left out)",
        )


def fit_chart(cal: Calibration, reps: int = 1000, axes=None):
    """One panel per fitted measure: prior 90% band, posterior 50%/90% bands and median, the
    reports with their observation intervals, and the cut-off.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    measures = list(dict.fromkeys(o.measure for o in cal.observations))
    if axes is None:
        fig, axes = plt.subplots(
            len(measures), 1, figsize=(10, 3.6 * len(measures) + 0.6), sharex=True, layout="constrained", squeeze=False
        )
        axes = axes[:, 0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    post, prior = cal.predictive(reps), cal.predictive(reps, posterior=False)
    dates = pd.to_datetime(post.dates)
    col = {c: k for k, c in enumerate(QUANTILE_COLUMNS)}
    obs = cal.report_observations()
    fitted = {o.id for o in cal.observations}
    for ax, measure in zip(axes, measures, strict=False):
        i = post.measures.index(measure)
        qp, q = prior.q[i], post.q[i]
        ax.fill_between(
            dates, qp[:, col["q05"]], qp[:, col["q95"]], color=style.PRIOR, alpha=0.15, lw=0, label="prior 90% band"
        )
        ax.fill_between(
            dates,
            q[:, col["q05"]],
            q[:, col["q95"]],
            color=style.POSTERIOR,
            alpha=0.25,
            lw=0,
            label="posterior 90% band",
        )
        ax.fill_between(
            dates,
            q[:, col["q25"]],
            q[:, col["q75"]],
            color=style.POSTERIOR,
            alpha=0.4,
            lw=0,
            label="posterior 50% band",
        )
        ax.plot(dates, q[:, col["q50"]], color=style.POSTERIOR, lw=2, label="posterior median")
        _draw_reports(ax, [o for o in obs if o.measure == measure], fitted, _reporters(cal, measure))
        if cal.until < post.dates[-1]:
            ax.axvline(pd.Timestamp(cal.until), color=style.CUT_OFF, ls="--", lw=1, label="fit cut-off")
        ax.set_ylim(bottom=0)
        ax.set_ylabel(style.measure_words(measure))
        ax.grid(alpha=0.25)
        ax.legend(loc="best", fontsize=8, frameon=False)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    # Start where the first plotted band leaves zero (a week before), not at the scenario start.
    active = [np.flatnonzero(post.q[post.measures.index(m), :, col["q95"]] > 0) for m in measures]
    first = min((a[0] for a in active if a.size), default=0)
    axes[0].set_xlim(dates[max(first - 7, 0)], dates[-1])
    axes[0].set_title(
        f"{cal.scenario.name}: {', '.join(cal.paths)} fitted to the reports up to {cal.until}\n"
        f"prior and posterior predictive, {reps:,} runs each; reports with their 90% observation intervals",
        fontsize=10,
    )
    return fig


@contextmanager
def _arviz_plotting():
    """ArviZ, with matplotlib's notice (3.11 and up) about how ArviZ 0.23 normalises keyword
    arguments silenced: it is ArviZ's to fix and changes nothing in the charts."""
    from .diagnostics import import_arviz

    az = import_arviz()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Passing a dict or None as alias_mapping", category=DeprecationWarning
        )
        yield az


def _fewer_ticks(fig) -> None:
    """At most five ticks an axis: the parameters' long decimals would otherwise overlap."""
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))


def trace_chart(cal: Calibration):
    """ArviZ's trace plot of the kept steps: per parameter, the density of all walkers together
    and each walker's path step by step (a walker is an ArviZ chain).

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(cal.paths)
    with _arviz_plotting() as az:
        axes = az.plot_trace(
            cal.inference_data(),
            combined=True,
            compact=True,
            compact_prop={"color": [style.POSTERIOR]},
            figsize=(12, 2.2 * n + 0.8),
            backend_kwargs={"layout": "constrained"},
            show=False,
        )
    fig = np.asarray(axes).ravel()[0].figure
    _fewer_ticks(fig)
    fig.suptitle(
        f"{cal.scenario.name}: {cal.walkers} walkers (one line each), kept steps {cal.burn} to {cal.steps - 1}",
        fontsize=10,
    )
    return fig


def pair_chart(cal: Calibration):
    """ArviZ's pair plot of the kept samples: each pair of fitted parameters as a scatter, each
    parameter's density on the margins.  Needs two or more fitted parameters.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if len(cal.paths) < 2:
        raise ValueError("a pair plot needs two or more fitted parameters")
    side = 2.6 * len(cal.paths) + 1
    with _arviz_plotting() as az:
        axes = az.plot_pair(
            cal.inference_data(),
            marginals=True,
            figsize=(side, side),
            textsize=9,
            scatter_kwargs={"alpha": 0.35, "marker": "o", "s": 8, "color": style.POSTERIOR},
            marginal_kwargs={"color": style.POSTERIOR},
            backend_kwargs={"layout": "constrained"},
            show=False,
        )
    fig = np.asarray(axes).ravel()[0].figure
    _fewer_ticks(fig)
    fig.suptitle(f"{cal.scenario.name}: posterior, {len(cal.samples):,} kept samples", fontsize=10)
    return fig
