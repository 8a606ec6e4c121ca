"""Latin hypercube (``lhs``): ``n`` points, each parameter's range cut into ``n`` equal strata
with one point in each (``SALib.sample.latin``, seeded with the sweep's seed).

Its analysis is Spearman's rank correlation of each parameter with each output
(:func:`rank_correlations`, a quick screen for any design that samples the parameters
jointly), with scatter plots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..figures import Chart, scatter_charts
from ..frame import by_output, parameters, pick_output
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
    strongest first: a quick screen for any design that samples the parameters jointly."""
    from scipy.stats import spearmanr

    output = pick_output(frame, output)
    rows = []
    y = frame[output].to_numpy(dtype=float)
    for p in parameters(frame):
        x = frame[p].to_numpy(dtype=float)
        rho = np.nan if np.ptp(x) == 0 or np.ptp(y) == 0 else float(spearmanr(x, y).statistic)
        rows.append({"param": p, "rho": rho})
    out = pd.DataFrame(rows, columns=["param", "rho"])
    order = out["rho"].abs().sort_values(ascending=False, kind="stable", na_position="last").index
    return out.loc[order].reset_index(drop=True)
