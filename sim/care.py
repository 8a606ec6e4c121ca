"""Delays: people waiting in care before they return to duty, die of wounds or are evacuated.

A delay (:class:`sim.fields.Delay`) is ``min`` days for certain, then a geometric wait, so
that delays average ``mean`` days.  The plan holds a :class:`DelaySpec`; the compiled daily step
(:mod:`sim.kernel`) keeps one delay line per flow and replication: a queue of ``lag`` days, then
each day a chance ``q`` of leaving (one binomial draw a day however long the delay; none at all
when ``q`` is 1, a fixed delay).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DelaySpec:
    """A delay of ``min_days`` fixed days followed by a geometric wait; ``mean`` is the field
    path of the total mean in days."""

    min_days: int
    mean: str

    @property
    def lag(self) -> int:
        """Days in the fixed queue: nobody leaves on the day they come in."""
        return max(self.min_days, 1)

    def chance(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each replication's daily chance of leaving once past the queue: a geometric wait from
        0 days of mean ``mean - lag`` (1 when the mean is the minimum: a fixed delay)."""
        return 1.0 / np.maximum(values[self.mean] - self.lag + 1.0, 1.0)
