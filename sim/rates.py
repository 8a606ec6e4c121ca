"""Rates and probabilities: the one place where one becomes the other.

A scenario's ``daily_rate`` is a per-person daily probability ``p``.  A hazard ``r`` (per
day) and ``p`` are related by ``p = 1 - exp(-r)``; over ``t`` days an unreplenished force
keeps ``exp(-r t) = (1 - p) ** t`` of its people.
"""

from __future__ import annotations

import numpy as np


def probability_from_rate(rate_per_day: float | np.ndarray) -> float | np.ndarray:
    """Daily probability of loss for a per-person hazard rate (per day)."""
    out = -np.expm1(-np.asarray(rate_per_day, dtype=float))
    return out if np.ndim(rate_per_day) else float(out)


def rate_from_probability(p_per_day: float | np.ndarray) -> float | np.ndarray:
    """Per-person hazard rate (per day) for a daily probability of loss."""
    out = -np.log1p(-np.asarray(p_per_day, dtype=float))
    return out if np.ndim(p_per_day) else float(out)
