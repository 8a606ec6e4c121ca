"""Morris screening (``morris``): ``n`` trajectories on a grid of ``levels`` levels, each
moving one parameter at a time by a fixed step: ``n * (k + 1)`` points over ``k`` parameters
(``SALib.sample.morris``, seeded with the sweep's seed).

Its analysis is the elementary effects' statistics (:func:`morris_indices`, drawn by
:func:`plot_morris`), with scatter plots.  An elementary effect needs the output at both ends
of its step: for a median crossing day censored at some points (fewer than half the runs cross
by the end) the statistics are not computed, and the note says to read the probability of
crossing (``p_cross:<threshold>``) instead.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pandas as pd

from ... import chartstyle as style
from ..figures import Chart, new_axes, panels, say, scatter_charts
from ..frame import by_output, output_columns, output_values, parameters, pick_output
from . import Design, DesignError, complete, not_computed, salib_problem


class Morris(Design):
    name = "morris"
    description = "Morris screening"
    n_counts = "trajectories"
    default_n = 10

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        return n * (k + 1)

    def rules(self, k: int, n: int, levels: int) -> None:
        if n < 2:
            raise DesignError(f"morris needs n >= 2 (got {n})", "n")
        if levels < 2 or levels % 2:
            raise DesignError(f"morris needs an even number of levels >= 2 (got {levels})", "levels")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        from SALib.sample import morris

        problem = salib_problem([f"x{i}" for i in range(k)])
        return np.asarray(morris.sample(problem, n, num_levels=levels, seed=seed), dtype=float)

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``morris``: :func:`morris_indices` for every output."""
        return {"morris": by_output(frame, morris_indices)}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        return [("morris.png", partial(panels, frame, plot_morris, titled=False)), *scatter_charts(frame)]


def morris_indices(
    frame: pd.DataFrame, output: str | None = None, conf_level: float = 0.95, num_resamples: int = 1000
) -> pd.DataFrame:
    """Morris elementary-effect statistics by SALib: ``mu_star`` (mean absolute effect of a
    step across a parameter's range: its overall influence, in the output's units),
    ``mu_star_conf`` (half-width of its bootstrap interval), ``mu`` (signed mean) and
    ``sigma`` (spread of the effects: non-linearity or interactions), largest mu* first, and a
    ``note``: an output with no variation, or a median crossing day censored at some point,
    gets NaN statistics and a note saying why (see :func:`sim.sweeps.designs.not_computed`)."""
    from SALib.analyze import morris

    sw = complete(frame, "morris")
    output = pick_output(frame, output)
    params = parameters(frame)
    cols = ["param", "mu_star", "mu_star_conf", "mu", "sigma", "note"]
    info = output_values(frame, output)
    why = not_computed(info, "Morris statistics")
    if why:
        return pd.DataFrame({"param": params, **{c: np.nan for c in cols[1:-1]}, "note": why}, columns=cols)
    x = frame[params].to_numpy(dtype=float)
    y = info.values
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = morris.analyze(
            salib_problem(params),
            x,
            y,
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=sw["levels"],
            seed=sw["seed"],
        )
    out = pd.DataFrame(
        {
            "param": params,
            "mu_star": si["mu_star"],
            "mu_star_conf": si["mu_star_conf"],
            "mu": si["mu"],
            "sigma": si["sigma"],
            "note": "",
        },
        columns=cols,
    )
    return out.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def plot_morris(frame: pd.DataFrame, output: str | None = None, ax=None):
    """Morris mu* (influence) against sigma (non-linearity, interactions), mu* with its
    confidence interval."""
    t = morris_indices(frame, output)
    output = output or output_columns(frame)[0]
    ax = new_axes(ax, (6.0, 4.5))
    if len(t) and t["note"].iloc[0]:
        return say(ax, t["note"].iloc[0], output)
    ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o", capsize=3, color=style.MODEL)
    for r in t.itertuples():
        ax.annotate(r.param, (r.mu_star, r.sigma), fontsize=7, xytext=(4, 4), textcoords="offset points")
    lim = max(float(t["mu_star"].max() + t["mu_star_conf"].max()), float(t["sigma"].max()), 1e-12) * 1.1
    ax.plot([0, lim], [0, lim], ls=":", color=style.GREY, lw=0.8)
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel(f"mu* ({output} per full-range step)")
    ax.set_ylabel("sigma")
    ax.set_title(output, fontsize=9)
    return ax
