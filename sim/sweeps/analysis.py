"""What a sweep says: which parameters move which outputs, and by how much.

Each function takes the frame :func:`sim.sweep` returns (or :func:`load_sweep` reads) and
one output column, and returns a small frame:

- :func:`tornado` (one-at-a-time): each parameter's swing from its low to its high end;
- :func:`grid_table` (grid): the output over two parameters, averaged over any others;
- :func:`sobol_indices` (sobol): first-order and total indices with confidence intervals;
- :func:`morris_indices` (morris): mu* (overall influence) and sigma (non-linearity and
  interactions), with a confidence interval for mu*;
- :func:`rank_correlations` (any sampling design): Spearman's rank correlation of each
  parameter with the output.

:func:`analyze` runs those that fit the sweep's design over every output.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .design import design_size


class AnalysisError(ValueError):
    """The sweep does not support the analysis asked for; the message says why."""


def settings(frame: pd.DataFrame) -> dict[str, Any]:
    """The sweep's settings, as :func:`sim.sweep` stores them in ``frame.attrs``."""
    sw = frame.attrs.get("sweep")
    if not sw:
        raise AnalysisError("the frame carries no sweep settings (attrs['sweep']); "
                            "use the frame sim.sweep returns or sim.sweeps.execution.load_sweep reads")
    return sw


def output_columns(frame: pd.DataFrame) -> list[str]:
    """The sweep's numeric outputs, in order."""
    return list(settings(frame)["outputs"])


def parameters(frame: pd.DataFrame) -> list[str]:
    """The swept parameters' paths, in order."""
    return list(settings(frame)["params"])


def _output(frame: pd.DataFrame, output: str | None) -> str:
    outs = output_columns(frame)
    if output is None:
        return outs[0]
    if output not in outs:
        raise AnalysisError(f"no output {output!r} in this sweep; outputs: {', '.join(outs)}")
    return output


def _complete(frame: pd.DataFrame, design: str) -> dict[str, Any]:
    sw = settings(frame)
    if sw["design"] != design:
        raise AnalysisError(f"needs a {design} design; this sweep's design is {sw['design']}")
    expected = design_size(sw["design"], len(sw["params"]), sw["n"], sw["second_order"])
    if len(frame) != expected or list(frame["point"]) != list(range(expected)):
        raise AnalysisError(f"needs every point of the design ({len(frame):,} of {expected:,} done); "
                            "resume the sweep first")
    return sw


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
    output = _output(frame, output)
    base = frame.loc[frame["varied"] == "baseline", output]
    if base.empty:
        raise AnalysisError("the baseline point is not done yet; resume the sweep first")
    rows = []
    for p in parameters(frame):
        part = frame[frame["varied"] == p].sort_values(p)
        if part.empty:
            continue
        lo, hi = part.iloc[0], part.iloc[-1]
        rows.append({"param": p, "low": lo[p], "high": hi[p], "at_low": lo[output], "at_high": hi[output],
                     "baseline": float(base.iloc[0]), "swing": hi[output] - lo[output]})
    out = pd.DataFrame(rows, columns=["param", "low", "high", "at_low", "at_high", "baseline", "swing"])
    order = out["swing"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def grid_table(frame: pd.DataFrame, output: str | None = None, x: str | None = None,
               y: str | None = None) -> pd.DataFrame:
    """The output over a grid of two parameters (rows ``y``, columns ``x``), averaged over the
    other swept parameters if any [default: the first two parameters]."""
    sw = settings(frame)
    if sw["design"] != "grid":
        raise AnalysisError(f"a heatmap needs the grid design; this sweep's design is {sw['design']}")
    output = _output(frame, output)
    params = parameters(frame)
    if len(params) < 2:
        raise AnalysisError("a heatmap needs a grid over at least two parameters")
    x = x or params[0]
    y = y or params[1]
    for name in (x, y):
        if name not in params:
            raise AnalysisError(f"{name!r} is not a swept parameter; swept: {', '.join(params)}")
    return frame.pivot_table(index=y, columns=x, values=output, aggfunc="mean")


def _problem(params: list[str]) -> dict[str, Any]:
    return {"num_vars": len(params), "names": params, "bounds": [[0.0, 1.0]] * len(params)}


def sobol_indices(frame: pd.DataFrame, output: str | None = None, conf_level: float = 0.95,
                  num_resamples: int = 200) -> pd.DataFrame:
    """Sobol' first-order (``S1``) and total (``ST``) indices with the half-widths of their
    bootstrap confidence intervals (``S1_conf``, ``ST_conf``), by SALib.

    The indices say what share of the output's variance over the design each parameter
    explains alone (S1) and with its interactions (ST); replication noise adds to the
    variance no parameter explains.  The bootstrap is seeded with the sweep's seed.
    """
    from SALib.analyze import sobol

    sw = _complete(frame, "sobol")
    output = _output(frame, output)
    params = parameters(frame)
    y = frame[output].to_numpy(dtype=float)
    cols = ["param", "S1", "S1_conf", "ST", "ST_conf"]
    if np.ptp(y) == 0:
        return pd.DataFrame({"param": params, **{c: np.nan for c in cols[1:]}}, columns=cols)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(_problem(params), y, calc_second_order=sw["second_order"],
                           num_resamples=num_resamples, conf_level=conf_level, seed=sw["seed"])
    out = pd.DataFrame({"param": params, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                        "ST_conf": si["ST_conf"]}, columns=cols)
    if sw["second_order"]:
        out.attrs["S2"] = pd.DataFrame(si["S2"], index=params, columns=params)
        out.attrs["S2_conf"] = pd.DataFrame(si["S2_conf"], index=params, columns=params)
    return out


def morris_indices(frame: pd.DataFrame, output: str | None = None, conf_level: float = 0.95,
                   num_resamples: int = 1000) -> pd.DataFrame:
    """Morris elementary-effect statistics by SALib: ``mu_star`` (mean absolute effect of a
    step across a parameter's range: its overall influence, in the output's units),
    ``mu_star_conf`` (half-width of its bootstrap interval), ``mu`` (signed mean) and
    ``sigma`` (spread of the effects: non-linearity or interactions), largest mu* first."""
    from SALib.analyze import morris

    sw = _complete(frame, "morris")
    output = _output(frame, output)
    params = parameters(frame)
    x = frame[params].to_numpy(dtype=float)
    y = frame[output].to_numpy(dtype=float)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = morris.analyze(_problem(params), x, y, num_resamples=num_resamples, conf_level=conf_level,
                            num_levels=sw["levels"], seed=sw["seed"])
    out = pd.DataFrame({"param": params, "mu_star": si["mu_star"], "mu_star_conf": si["mu_star_conf"],
                        "mu": si["mu"], "sigma": si["sigma"]})
    return out.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def rank_correlations(frame: pd.DataFrame, output: str | None = None) -> pd.DataFrame:
    """Spearman's rank correlation of each parameter with the output (``rho``, from -1 to 1),
    strongest first: a quick screen for any design that samples the parameters jointly."""
    from scipy.stats import spearmanr

    output = _output(frame, output)
    rows = []
    y = frame[output].to_numpy(dtype=float)
    for p in parameters(frame):
        x = frame[p].to_numpy(dtype=float)
        rho = np.nan if np.ptp(x) == 0 or np.ptp(y) == 0 else float(spearmanr(x, y).statistic)
        rows.append({"param": p, "rho": rho})
    out = pd.DataFrame(rows, columns=["param", "rho"])
    order = out["rho"].abs().sort_values(ascending=False, kind="stable", na_position="last").index
    return out.loc[order].reset_index(drop=True)


ANALYSES = {"oat": ("tornado", tornado), "sobol": ("sobol", sobol_indices),
            "morris": ("morris", morris_indices), "lhs": ("correlation", rank_correlations)}


def analyze(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every analysis that fits the sweep's design, over every output, as tidy frames with an
    ``output`` column first (``grid`` gives the long form of :func:`grid_table`)."""
    sw = settings(frame)
    outs = output_columns(frame)
    if sw["design"] == "grid":
        params = parameters(frame)
        keep = params[:2] if len(params) >= 2 else params
        parts = [frame.groupby(keep, as_index=False)[o].mean().rename(columns={o: "value"}).assign(output=o)
                 for o in outs]
        table = pd.concat(parts, ignore_index=True)
        return {"grid": table[["output", *keep, "value"]]}
    name, fn = ANALYSES[sw["design"]]
    parts = [fn(frame, o).assign(output=o) for o in outs]
    table = pd.concat(parts, ignore_index=True)
    return {name: table[["output", *[c for c in table.columns if c != "output"]]]}
