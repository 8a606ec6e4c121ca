"""From the unit cube to parameter values: each coordinate of a design's point (0 the
parameter's low end, 1 its high end) goes through the parameter's quantile function.

A range ``low:high`` (or ``uniform``) maps linearly; a triangular distribution through its
quantiles; a normal or lognormal one, whose tails are unbounded, is truncated to the field's
domain as in a run (see :mod:`sim.params`) and mapped through the quantiles of its central 99%
(0 is its 0.5% quantile, 1 its 99.5%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ...params import Param
from . import DesignError

#: Unbounded distributions are swept over their central 99%.
TAIL = 0.005


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
