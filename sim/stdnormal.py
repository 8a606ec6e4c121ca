"""The standard normal, as truncated distributions need it: the mass of an interval and the
quantile function on an interval, both accurate far into either tail."""

from __future__ import annotations

import math

import numpy as np

#: ``log(sqrt(2 pi))``, the normal density's constant.
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def mass(a: float, b: float) -> float:
    """The standard normal's mass in ``[a, b]``."""
    from scipy.special import ndtr

    if a > 0:  # the upper tail, mirrored: there the CDF keeps its precision
        a, b = -b, -a
    return float(ndtr(b) - ndtr(a))


def truncated_ndtri(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """The quantile function at ``u`` of the standard normal truncated to ``[a, b]``."""
    from scipy.special import ndtr, ndtri

    if a > 0:  # the upper tail, mirrored: there the CDF keeps its precision
        return -truncated_ndtri(1.0 - u, -b, -a)
    lo, hi = ndtr(a), ndtr(b)
    return ndtri(lo + u * (hi - lo))
