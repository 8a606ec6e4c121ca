"""Sobol' indices (``sobol``): Saltelli's scheme on a scrambled Sobol' sequence of base size
``n`` (a power of 2): ``n * (k + 2)`` points over ``k`` parameters, or ``n * (2k + 2)`` with
second-order indices (``SALib.sample.sobol``, seeded with the sweep's seed).

Its analysis is the first-order and total indices (:func:`sobol_indices`, drawn by
:func:`plot_sobol`), with scatter plots.  Saltelli's estimators need the output at every point
of the scheme: for a median crossing day censored at some points (fewer than half the runs
cross by the end) they are not computed, and the note says to read the probability of
crossing (``p_cross:<threshold>``) instead, which every point has.
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


class Sobol(Design):
    name = "sobol"
    description = "Sobol' indices"
    n_counts = "base samples, a power of 2"
    default_n = 64
    second_order = True

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        return n * (2 * k + 2 if second_order else k + 2)

    def rules(self, k: int, n: int, levels: int) -> None:
        if k < 2:
            raise DesignError("sobol needs at least 2 parameters")
        if n < 2 or n & (n - 1):
            raise DesignError(f"sobol needs n a power of 2 such as 64, 256 or 512 (got {n})", "n")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        from SALib.sample import sobol

        problem = salib_problem([f"x{i}" for i in range(k)])
        unit = sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)
        return np.asarray(unit, dtype=float)

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``sobol``: :func:`sobol_indices` for every output."""
        return {"sobol": by_output(frame, sobol_indices)}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        return [("sobol.png", partial(panels, frame, plot_sobol, titled=False)), *scatter_charts(frame)]


def sobol_indices(
    frame: pd.DataFrame, output: str | None = None, conf_level: float = 0.95, num_resamples: int = 200
) -> pd.DataFrame:
    """Sobol' first-order (``S1``) and total (``ST``) indices with the half-widths of their
    bootstrap confidence intervals (``S1_conf``, ``ST_conf``), by SALib, and a ``note``.

    The indices say what share of the output's variance over the design each parameter
    explains alone (S1) and with its interactions (ST); replication noise adds to the
    variance no parameter explains.  The bootstrap is seeded with the sweep's seed.  With
    second-order indices, ``attrs["S2"]`` and ``attrs["S2_conf"]`` hold them (parameter by
    parameter).

    An output with no variation, or a median crossing day censored at some point, gets NaN
    indices and a note saying why (see :func:`sim.sweeps.designs.not_computed`).
    """
    from SALib.analyze import sobol

    sw = complete(frame, "sobol")
    output = pick_output(frame, output)
    params = parameters(frame)
    info = output_values(frame, output)
    y = info.values
    cols = ["param", "S1", "S1_conf", "ST", "ST_conf", "note"]
    why = not_computed(info, "Sobol indices")
    if why:
        return pd.DataFrame({"param": params, **{c: np.nan for c in cols[1:-1]}, "note": why}, columns=cols)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(
            salib_problem(params),
            y,
            calc_second_order=sw["second_order"],
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=sw["seed"],
        )
    out = pd.DataFrame(
        {
            "param": params,
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
            "note": "",
        },
        columns=cols,
    )
    if sw["second_order"]:
        out.attrs["S2"] = pd.DataFrame(si["S2"], index=params, columns=params)
        out.attrs["S2_conf"] = pd.DataFrame(si["S2_conf"], index=params, columns=params)
    return out


def plot_sobol(frame: pd.DataFrame, output: str | None = None, ax=None):
    """First-order and total Sobol' indices with their confidence intervals (or, where they
    are not computed, why)."""
    t = sobol_indices(frame, output)
    output = output or output_columns(frame)[0]
    ax = new_axes(ax)
    if len(t) and t["note"].iloc[0]:
        return say(ax, t["note"].iloc[0], output)
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="first order (S1)", color=style.FIRST_ORDER)
    ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="total (ST)", color=style.TOTAL)
    ax.set_xticks(x, t["param"], rotation=20, ha="right", fontsize=8)
    ax.axhline(0, color=style.BLACK, lw=0.8)
    ax.set_ylabel("share of variance")
    ax.set_title(output, fontsize=9)
    ax.legend(fontsize=8)
    return ax
