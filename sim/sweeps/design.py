"""Sweep designs: where in parameter space the points lie.

A design is first drawn in the unit hypercube (one coordinate per swept parameter, 0 the
parameter's low end, 1 its high end), then each coordinate is mapped to a value through the
parameter's quantile function.  A range ``low:high`` (or ``uniform``) maps linearly; a
triangular distribution through its quantiles; a normal or lognormal one, whose tails are
unbounded, is truncated to the field's domain as in a run (see :mod:`sim.params`) and mapped
through the quantiles of its central 99% (0 is its 0.5% quantile, 1 its 99.5%).

Designs (``n`` is the design's size):

``grid``
    Every combination of ``n`` evenly spaced levels per parameter: ``n**k`` points.
``oat``
    One at a time: a baseline with every parameter at its middle, then each parameter in
    turn at ``n`` evenly spaced levels (the middle one, if any, being the baseline):
    ``1 + k * n`` points, or ``1 + k * (n - 1)`` when ``n`` is odd.
``lhs``
    Latin hypercube of ``n`` points (SALib).
``morris``
    ``n`` Morris trajectories on a grid of ``levels`` levels: ``n * (k + 1)`` points (SALib).
``sobol``
    Saltelli's scheme on a scrambled Sobol' sequence of base size ``n`` (a power of 2):
    ``n * (k + 2)`` points, or ``n * (2k + 2)`` with second-order indices (SALib).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from ..params import Param

DESIGNS = ("grid", "oat", "lhs", "morris", "sobol")
DEFAULT_N = {"grid": 5, "oat": 2, "lhs": 100, "morris": 10, "sobol": 64}
MAX_POINTS = 1_000_000
#: Unbounded distributions are swept over their central 99%.
TAIL = 0.005


class DesignError(ValueError):
    """A design cannot be built as asked; the message states the rule, ``field`` the setting
    at fault (``design``, ``n``, ``levels`` or ``second_order``)."""

    def __init__(self, rule: str, field: str = "design"):
        super().__init__(rule)
        self.field = field


def design_size(design: str, k: int, n: int, second_order: bool = False) -> int:
    """Number of points a design of size ``n`` over ``k`` parameters has."""
    if design == "grid":
        return n**k
    if design == "oat":
        return 1 + k * (n - n % 2)
    if design == "lhs":
        return n
    if design == "morris":
        return n * (k + 1)
    if design == "sobol":
        return n * (2 * k + 2 if second_order else k + 2)
    raise DesignError(f"unknown design {design!r}; allowed: {', '.join(DESIGNS)}")


def check_design(design: str, k: int, n: int, levels: int, second_order: bool) -> None:
    """Refuse designs that cannot be built or that would be absurdly large."""
    if design not in DESIGNS:
        raise DesignError(f"unknown design {design!r}; allowed: {', '.join(DESIGNS)}")
    if k < 1:
        raise DesignError("give at least one parameter to sweep")
    if design == "grid" and n < 2:
        raise DesignError(f"a grid needs at least 2 levels per parameter (got n={n})", "n")
    if design == "oat" and n < 2:
        raise DesignError(f"one-at-a-time needs at least 2 levels (got n={n})", "n")
    if design in ("lhs", "morris") and n < 2:
        raise DesignError(f"{design} needs n >= 2 (got {n})", "n")
    if design == "morris" and (levels < 2 or levels % 2):
        raise DesignError(f"morris needs an even number of levels >= 2 (got {levels})", "levels")
    if design == "sobol":
        if k < 2:
            raise DesignError("sobol needs at least 2 parameters")
        if n < 2 or n & (n - 1):
            raise DesignError(f"sobol needs n a power of 2 such as 64, 256 or 512 (got {n})", "n")
    if second_order and design != "sobol":
        raise DesignError("second_order goes with the sobol design only", "second_order")
    size = design_size(design, k, n, second_order)
    if size > MAX_POINTS:
        raise DesignError(f"the design would have {size:,} points; at most {MAX_POINTS:,}", "n")


def _problem(k: int) -> dict:
    return {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}


def unit_design(design: str, k: int, n: int, seed: int, levels: int = 4,
                second_order: bool = False) -> tuple[np.ndarray, list[int] | None]:
    """Points of a design in the unit hypercube.

    Parameters
    ----------
    design : str
        One of :data:`DESIGNS`.
    k : int
        Number of parameters.
    n : int
        The design's size (see the module's notes).
    seed : int
        Seed of the sampling designs (lhs, morris, sobol).
    levels : int
        Grid levels of a Morris design.
    second_order : bool
        Sobol design with second-order indices.

    Returns
    -------
    unit : ndarray, shape (points, k)
        Coordinates in [0, 1].
    varied : list of int or None
        For ``oat``: the parameter each point varies (-1 for the baseline); else None.
    """
    check_design(design, k, n, levels, second_order)
    if design == "grid":
        axis = np.linspace(0.0, 1.0, n)
        return np.array(list(itertools.product(axis, repeat=k)), dtype=float).reshape(-1, k), None
    if design == "oat":
        steps = [u for u in np.linspace(0.0, 1.0, n) if not math.isclose(u, 0.5)]
        rows, varied = [np.full(k, 0.5)], [-1]
        for i in range(k):
            for u in steps:
                row = np.full(k, 0.5)
                row[i] = u
                rows.append(row)
                varied.append(i)
        return np.array(rows), varied
    if design == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(_problem(k), n, seed=seed), dtype=float), None
    if design == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(_problem(k), n, num_levels=levels, seed=seed), dtype=float), None
    from SALib.sample import sobol

    unit = sobol.sample(_problem(k), n, calc_second_order=second_order, scramble=True, seed=seed)
    return np.asarray(unit, dtype=float), None


def quantile(p: Param, u: np.ndarray, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """Map unit coordinates to parameter values through ``p``'s quantile function on the
    domain ``[low, high]`` (an unbounded distribution over the central 99% of its truncation)."""
    if p.is_fixed:
        raise DesignError("cannot sweep a fixed value")
    u = np.asarray(u, dtype=float)
    if p.is_unbounded:
        u = TAIL + (1 - 2 * TAIL) * u
    return p.quantile(u, low, high)


def scale(unit: np.ndarray, params: list[Param], domains: Sequence[tuple[float, ...]] | None = None) -> np.ndarray:
    """Parameter values of every point (points x parameters); ``domains`` holds each
    parameter's ``(low, high, ...)`` [default: unbounded]."""
    ends = [d[:2] for d in domains] if domains is not None else [(-math.inf, math.inf)] * len(params)
    return np.column_stack([quantile(p, unit[:, i], *ends[i]) for i, p in enumerate(params)])
