"""Scenario discovery: the boxes of assumptions in which a claim holds (or fails), found in a
sweep by PRIM, the Patient Rule Induction Method (Friedman and Fisher, "Bump hunting in
high-dimensional data", Statistics and Computing, 1999), as the EMA Workbench and RAND's
sdtoolkit use it for policy models.

Each point of a sweep is a set of assumptions and the claim's probability there; a point is a
case of interest when the claim holds there (probability at least 1/2; or fails, below it).
PRIM starts from the box of all the swept ranges and peels it: at each step it cuts, on one
side of one assumption, the ``alpha`` share of the points still inside that raises the share of
cases of interest inside the most, until fewer than ``min_support`` of all points remain.
Each box of that peeling trajectory has a *coverage* (the share of all cases of interest that
it holds) and a *density* (the share of its points that are cases of interest): peeling trades
the first for the second.  The box chosen (the one of largest coverage among those of density
at least ``min_density``, 0.9 by default) is then pasted: a side is moved back out while that raises its density.

A small implementation rather than a dependency: the ``prim`` package is GPL-licensed and the
EMA Workbench brings scikit-learn, statsmodels, seaborn and an optimisation library with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..sweeps.execution import load_sweep
from ..sweeps.frame import output_columns, parameters, settings

#: Share of the points in the box peeled (or pasted) at each step.
ALPHA = 0.05
#: Peeling stops when fewer than this share of all the points remain in the box.
MIN_SUPPORT = 0.05
#: The box chosen is the one holding the most cases of interest among those at least this dense.
MIN_DENSITY = 0.9


@dataclass
class Box:
    """Limits per assumption (a missing one is unrestricted), with what the box holds."""

    limits: dict[str, tuple[float, float]]
    coverage: float  # share of all cases of interest inside the box
    density: float  # share of the box's points that are cases of interest
    support: float  # share of all points inside the box
    restricted: list[str] = field(default_factory=list)  # the assumptions the box narrows, in order
    swept: dict[str, tuple[float, float]] = field(default_factory=dict)  # the swept range of each


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((x >= lo) & (x <= hi), axis=1)


def _box(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, names: list[str], full) -> Box:
    inside = _inside(x, lo, hi)
    n_in, hits = int(inside.sum()), int(y[inside].sum())
    restricted = [names[j] for j in range(len(names)) if lo[j] > full[0][j] or hi[j] < full[1][j]]
    limits = {names[j]: (float(lo[j]), float(hi[j])) for j in range(len(names)) if names[j] in restricted}
    return Box(
        limits,
        coverage=hits / max(int(y.sum()), 1),
        density=hits / max(n_in, 1),
        support=n_in / len(y),
        restricted=restricted,
        swept={names[j]: (float(full[0][j]), float(full[1][j])) for j in range(len(names))},
    )


def peel(x: pd.DataFrame, y: np.ndarray, alpha: float = ALPHA, min_support: float = MIN_SUPPORT) -> list[Box]:
    """The peeling trajectory: the boxes from all the ranges down to ``min_support`` of the
    points, each the previous one less the ``alpha`` share of its points on the side of one
    assumption whose removal raises the density most."""
    names = list(x.columns)
    v = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=bool)
    lo, hi = v.min(axis=0), v.max(axis=0)
    full = (lo.copy(), hi.copy())
    boxes = [_box(v, y, lo, hi, names, full)]
    while True:
        inside = _inside(v, lo, hi)
        if inside.sum() < max(min_support * len(y), 2):
            break
        best = None
        for j in range(v.shape[1]):
            col = v[inside, j]
            for side in (0, 1):
                cut = np.quantile(col, alpha if side == 0 else 1 - alpha)
                keep = col > cut if side == 0 else col < cut  # at least the extreme value goes
                if not keep.any():
                    continue
                left = keep.sum()
                if left < max(min_support * len(y), 1):
                    continue
                density = y[inside][keep].mean()
                if best is None or density > best[0] + 1e-12:
                    new = col[keep]
                    best = (density, j, side, new.min() if side == 0 else new.max())
        if best is None:
            break
        _, j, side, edge = best
        if side == 0:
            lo[j] = edge
        else:
            hi[j] = edge
        boxes.append(_box(v, y, lo, hi, names, full))
    return boxes


def paste(x: pd.DataFrame, y: np.ndarray, box: Box, alpha: float = ALPHA) -> Box:
    """Move the box's sides back out, one at a time, while that raises its density: each step
    adds the ``alpha`` share of the box's points nearest outside one side."""
    names = list(x.columns)
    v = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=bool)
    full = (v.min(axis=0), v.max(axis=0))
    lo = np.array([box.limits.get(n, (full[0][j], full[1][j]))[0] for j, n in enumerate(names)])
    hi = np.array([box.limits.get(n, (full[0][j], full[1][j]))[1] for j, n in enumerate(names)])
    current = _box(v, y, lo, hi, names, full)
    while True:
        inside = _inside(v, lo, hi)
        n_add = max(1, math.ceil(alpha * inside.sum()))
        best = None
        for j in range(v.shape[1]):
            others = np.all(np.delete((v >= lo) & (v <= hi), j, axis=1), axis=1)
            for side in (0, 1):
                out = others & ((v[:, j] < lo[j]) if side == 0 else (v[:, j] > hi[j]))
                if not out.any():
                    continue
                values = np.sort(v[out, j])
                edge = values[-min(n_add, len(values))] if side == 0 else values[min(n_add, len(values)) - 1]
                trial_lo, trial_hi = lo.copy(), hi.copy()
                if side == 0:
                    trial_lo[j] = edge
                else:
                    trial_hi[j] = edge
                trial = _box(v, y, trial_lo, trial_hi, names, full)
                if trial.density > current.density + 1e-12 and (best is None or trial.density > best[0].density):
                    best = (trial, trial_lo, trial_hi)
        if best is None:
            return current
        current, lo, hi = best


def choose(boxes: list[Box], min_density: float = MIN_DENSITY) -> Box:
    """The box of a trajectory with the largest coverage among those of density at least
    ``min_density``; when none is that dense, the one with the largest coverage x density
    (ties: the earlier, larger one)."""
    dense = [b for b in boxes if b.density >= min_density]
    if dense:
        return max(dense, key=lambda b: b.coverage)
    scores = [b.coverage * b.density for b in boxes]
    return boxes[int(np.argmax(scores))]


def describe(box: Box, claim: str, holds: bool, total: int) -> str:
    """The box in a sentence."""
    verb = "holds" if holds else "fails"
    if not box.restricted:
        return f"{claim} {verb} in {box.density:.0%} of all {total:,} points; no box does better"
    parts = []
    for name in box.restricted:
        lo, hi = box.limits[name]
        first, last = box.swept[name]
        if lo > first and hi < last:
            parts.append(f"{name} is between {_num(lo)} and {_num(hi)}")
        elif lo > first:
            parts.append(f"{name} is at least {_num(lo)}")
        else:
            parts.append(f"{name} is at most {_num(hi)}")
    return (
        f"{claim} {verb} when {' and '.join(parts)}: it {verb} in {box.density:.0%} of such points, "
        f"which hold {box.coverage:.0%} of all the points where it {verb} ({box.support:.0%} of all points)"
    )


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def discover(
    sweep: pd.DataFrame | str | Path,
    claim: str,
    *,
    holds: bool = True,
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    min_density: float = MIN_DENSITY,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The box of swept assumptions in which ``claim`` holds (``holds=False``: fails).

    Parameters
    ----------
    sweep : DataFrame or path
        A sweep's frame (as :func:`sim.sweep` returns it) or its output folder, with the output
        ``p_holds:<claim>``.
    claim : str
        The claim's id.

    Returns
    -------
    (DataFrame, DataFrame)
        The peeling trajectory (one row per box: ``step, coverage, density, support,
        restricted``, and the chosen one marked) and the chosen box after pasting (one row per
        assumption it narrows: ``param, low, high, swept_low, swept_high``), with the sentence
        in ``attrs["sentence"]``.
    """
    if not isinstance(sweep, pd.DataFrame) and not (Path(sweep) / "sweep.json").is_file():
        raise InputError(str(sweep), "", "is not a sweep's output folder (it holds no sweep.json)")
    frame = load_sweep(sweep) if not isinstance(sweep, pd.DataFrame) else sweep
    column = f"p_holds:{claim}"
    if column not in output_columns(frame):
        known = ", ".join(c for c in output_columns(frame) if c.startswith("p_holds:")) or "none"
        raise InputError("--claim", claim, f"the sweep has no output {column} (claim outputs: {known})")
    params = parameters(frame)
    data = frame.dropna(subset=[column])
    x = data[params].astype(float)
    p = data[column].to_numpy(dtype=float)
    y = p >= 0.5 if holds else p < 0.5
    if not y.any():
        raise InputError("--claim", claim, f"the claim {'holds' if holds else 'fails'} at no point of the sweep")
    boxes = peel(x, y, alpha, min_support)
    chosen = choose(boxes, min_density)
    pasted = paste(x, y, chosen, alpha)
    trajectory = pd.DataFrame(
        {
            "step": range(len(boxes)),
            "coverage": [b.coverage for b in boxes],
            "density": [b.density for b in boxes],
            "support": [b.support for b in boxes],
            "restricted": [", ".join(b.restricted) for b in boxes],
            "chosen": [b is chosen for b in boxes],
        }
    )
    rows = [
        {
            "param": n,
            "low": pasted.limits[n][0],
            "high": pasted.limits[n][1],
            "swept_low": x[n].min(),
            "swept_high": x[n].max(),
        }
        for n in pasted.restricted
    ]
    box = pd.DataFrame(rows, columns=["param", "low", "high", "swept_low", "swept_high"])
    box.attrs = {
        "sentence": describe(pasted, claim, holds, len(y)),
        "coverage": pasted.coverage,
        "density": pasted.density,
        "support": pasted.support,
        "scenario": settings(frame).get("scenario"),
        "claim": claim,
        "holds": holds,
    }
    return trajectory, box
