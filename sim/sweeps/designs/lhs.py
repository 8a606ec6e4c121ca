"""Latin hypercube (``lhs``): ``n`` points, each parameter's range cut into ``n`` equal strata
with one point in each (``SALib.sample.latin``, seeded with the sweep's seed).

Its analysis is Spearman's rank correlation of each parameter with each output
(:func:`rank_correlations`, a quick screen for any design that samples the parameters
jointly), with scatter plots.  A median crossing day after the end (fewer than half the runs
cross) is not a day, but it is later than every day the run has: the correlation ranks such
points together after every crossing day, which uses only what is known of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..figures import Chart, scatter_charts
from ..frame import by_output, output_values, parameters, pick_output
from . import Design, DesignError, salib_problem


class LatinHypercube(Design):
    name = "lhs"
    description = "Latin hypercube"
    n_counts = "points"
    default_n = 100

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        return n

    def rules(self, k: int, n: int, levels: int) -> None:
        if n < 2:
            raise DesignError(f"lhs needs n >= 2 (got {n})", "n")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        from SALib.sample import latin

        return np.asarray(latin.sample(salib_problem([f"x{i}" for i in range(k)]), n, seed=seed), dtype=float)

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """``correlation``: :func:`rank_correlations` for every output."""
        return {"correlation": by_output(frame, rank_correlations)}

    def charts(self, frame: pd.DataFrame) -> list[Chart]:
        return scatter_charts(frame)


def rank_correlations(frame: pd.DataFrame, output: str | None = None) -> pd.DataFrame:
    """Spearman's rank correlation of each parameter with the output (``rho``, from -1 to 1),
    strongest first, with a ``note``: a quick screen for any design that samples the parameters
    jointly.

    Points whose median crossing day is after the end are ranked together (tied) after every
    crossing day: their order among themselves is unknown, their place after the others is
    not.  The note says how many there are.  An output with no variation has no correlation.
    """
    from scipy.stats import spearmanr

    output = pick_output(frame, output)
    info = output_values(frame, output)
    flat = info.no_variation()
    note = flat or (f"{info.censored_note()}: ranked together after every crossing day" if info.censored.any() else "")
    y = np.where(info.censored, np.inf, info.values)
    keep = ~np.isnan(y)
    rows = []
    for p in parameters(frame):
        x = frame[p].to_numpy(dtype=float)[keep]
        rho = np.nan if flat or np.ptp(x) == 0 else float(spearmanr(x, y[keep]).statistic)
        rows.append({"param": p, "rho": rho, "note": note})
    out = pd.DataFrame(rows, columns=["param", "rho", "note"])
    order = out["rho"].abs().sort_values(ascending=False, kind="stable", na_position="last").index
    return out.loc[order].reset_index(drop=True)
