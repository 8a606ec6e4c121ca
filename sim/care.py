"""Delays: people waiting in care before they return to duty, die of wounds or are evacuated.

A delay (:class:`sim.fields.Delay`) is ``min`` days for certain, then a geometric wait, so
that delays average ``mean`` days.  The plan holds a :class:`DelaySpec`; the engine starts one
delay line per flow and batch, of the kind the drawn means call for: a fixed delay when every
replication's mean is its minimum (no random draws at all), a shifted geometric one otherwise.
A new kind of delay is a :class:`DelayLine` subclass, chosen in :meth:`DelaySpec.start`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .streams import Streams


@dataclass(frozen=True)
class DelaySpec:
    """A delay of ``min_days`` fixed days followed by a geometric wait; ``mean`` is the field
    path of the total mean in days."""

    min_days: int
    mean: str

    def start(self, reps: int, values: Mapping[str, np.ndarray], streams: Streams) -> DelayLine:
        """An empty delay line for ``reps`` replications with their drawn means."""
        lag = max(self.min_days, 1)  # nobody leaves on the day they come in
        # Geometric wait from 0 days: mean (1 - q) / q = mean_days - lag.
        q = 1.0 / np.maximum(values[self.mean] - lag + 1.0, 1.0)
        if (q >= 1.0).all():
            return FixedDelay(reps, lag)
        return ShiftedGeometricDelay(reps, lag, q, streams)


class DelayLine:
    """People waiting out a delay: ``lag`` days in a fixed queue, then whatever the kind of
    delay adds.  Counts are per replication (int64)."""

    def __init__(self, reps: int, lag: int):
        self.lag = lag
        self.queue = np.zeros((lag, reps), dtype=np.int64)
        self.count = np.zeros(reps, dtype=np.int64)  # everyone waiting

    def enter(self, day: int, n: np.ndarray) -> None:
        """``n`` people start waiting today."""
        self.queue[day % self.lag] += n
        self.count += n

    def total(self) -> np.ndarray:
        """Everyone waiting."""
        return self.count

    def leave(self, day: int) -> np.ndarray:
        """Those whose delay ends today (taken out of the line)."""
        raise NotImplementedError


class FixedDelay(DelayLine):
    """Everyone leaves exactly ``lag`` days after coming in."""

    def leave(self, day: int) -> np.ndarray:
        row = self.queue[day % self.lag]
        out = row.copy()
        row[:] = 0
        self.count -= out
        return out


class ShiftedGeometricDelay(DelayLine):
    """``lag`` days in the queue, then each day a chance ``q`` (per replication) of leaving: one
    binomial draw a day however long the delay."""

    def __init__(self, reps: int, lag: int, q: np.ndarray, streams: Streams):
        super().__init__(reps, lag)
        self.q = q
        self.pool = np.zeros(reps, dtype=np.int64)  # past the queue, waiting for their chance
        self.streams = streams

    def leave(self, day: int) -> np.ndarray:
        row = self.queue[day % self.lag]
        self.pool += row
        row[:] = 0
        out = self.streams.binomial(self.pool, self.q)
        self.pool -= out
        self.count -= out
        return out
