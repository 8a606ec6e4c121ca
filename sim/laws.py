"""Loss laws: how many people on duty in a posture become combat casualties each day.

A posture's law is chosen by the fields it gives (:attr:`sim.scenario.Posture.law`) and made
when the scenario is compiled (:func:`law_for`), holding the field paths of the parameters it
reads.  Each law draws a day's casualties in two forms that make the same draws in the same
order: :meth:`Law.draw` for every replication of a batch at once (the engine), and
:meth:`Law.draw_one` for one replication with scalar draws (the reference model, see
:mod:`sim.reference`).

A new law is a class here, registered under the name ``Posture.law`` gives it, with the fields
it reads in the scenario schema; the plan collects a posture's parameters from its fields and
the engine and the reference model call the law without knowing which it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .streams import Streams

if TYPE_CHECKING:
    from .scenario import Posture

#: Law classes by the name :attr:`sim.scenario.Posture.law` gives them.
LAWS: dict[str, type[Law]] = {}


def register(cls: type[Law]) -> type[Law]:
    """Class decorator: make ``cls`` the law of postures whose ``law`` is ``cls.name``."""
    LAWS[cls.name] = cls
    return cls


def law_for(name: str, posture: Posture) -> Law:
    """The loss law of the posture called ``name``.

    Raises
    ------
    KeyError
        When no law is registered under ``posture.law``.
    """
    return LAWS[posture.law].from_posture(name, posture)


class Law:
    """A posture's loss law.  Subclasses set :attr:`name` and implement the methods below."""

    #: The law's name, as :attr:`sim.scenario.Posture.law` gives it.
    name: ClassVar[str]
    #: False for a law that never makes casualties: the engine does not call it.
    causes_losses: ClassVar[bool] = True

    @classmethod
    def from_posture(cls, name: str, posture: Posture) -> Law:
        """The law of the posture called ``name``, with its parameters' field paths."""
        raise NotImplementedError

    def start(self, reps: int) -> Any:
        """What the law carries from one day to the next, for ``reps`` replications (None: nothing)."""
        return None

    def draw(self, duty: np.ndarray, values: Mapping[str, np.ndarray], streams: Streams, state: Any) -> np.ndarray:
        """The day's casualties of every replication in every unit of the posture.

        Parameters
        ----------
        duty : ndarray (reps, units)
            People on duty in each of the posture's units (int64).
        values : mapping of str to ndarray
            Each replication's parameter values, by field path.
        streams : Streams
            The batch's random streams.
        state : object
            What :meth:`start` returned, updated in place.

        Returns
        -------
        ndarray (reps, units)
            Casualties (int64), at most ``duty``.
        """
        raise NotImplementedError

    def draw_one(self, duty: list[int], values: Mapping[str, float], rng: np.random.Generator, state: Any) -> list[int]:
        """:meth:`draw` for one replication: ``duty`` and the result hold one count per unit,
        ``state`` is what ``start(1)`` returned."""
        raise NotImplementedError


@register
@dataclass(frozen=True)
class NoLoss(Law):
    """No combat losses (training, rear duty)."""

    name: ClassVar[str] = "none"
    causes_losses: ClassVar[bool] = False

    @classmethod
    def from_posture(cls, name: str, posture: Posture) -> NoLoss:
        return cls()

    def draw(self, duty, values, streams, state):
        return np.zeros_like(duty)

    def draw_one(self, duty, values, rng, state):
        return [0] * len(duty)


@register
@dataclass(frozen=True)
class DailyRate(Law):
    """Each person on duty is hit on a given day with probability ``daily_rate`` (a binomial
    draw per unit): the force decays exponentially."""

    name: ClassVar[str] = "rate"
    rate: str  # field path of the per-person daily probability

    @classmethod
    def from_posture(cls, name: str, posture: Posture) -> DailyRate:
        return cls(f"postures.{name}.daily_rate")

    def draw(self, duty, values, streams, state):
        return streams.binomial(duty, values[self.rate][:, None])

    def draw_one(self, duty, values, rng, state):
        return [int(rng.binomial(n, values[self.rate])) for n in duty]


@register
@dataclass(frozen=True)
class PerDay(Law):
    """A count a day across everyone in the posture, ``per_day`` on average, varying by
    ``noise``; at most the number on duty, shared among the units by a draw without
    replacement."""

    name: ClassVar[str] = "per_day"
    per_day: str  # field path of the mean count a day
    noise: str  # "poisson", "negative_binomial" or "none"
    dispersion: str | None  # field path of the negative binomial's shape (that noise only)

    @classmethod
    def from_posture(cls, name: str, posture: Posture) -> PerDay:
        dispersion = f"postures.{name}.dispersion" if posture.noise == "negative_binomial" else None
        return cls(f"postures.{name}.per_day", posture.noise, dispersion)

    def start(self, reps: int) -> np.ndarray:
        """The fraction of a casualty carried over to the next day (noise ``none``)."""
        return np.zeros(reps)

    def draw(self, duty, values, streams, state):
        total = duty.sum(axis=1)
        mean = values[self.per_day]
        if self.noise == "none":
            state += mean
            count = np.floor(state + 1e-9).astype(np.int64)
            state -= count
        elif self.noise == "poisson":
            count = streams.draw("poisson", mean)
        else:
            k = values[self.dispersion]
            count = streams.draw("negative_binomial", k, k / (k + np.maximum(mean, 1e-12)))
        return spread(np.minimum(count, total), duty, total, streams)

    def draw_one(self, duty, values, rng, state):
        mean = max(values[self.per_day], 0.0)
        if self.noise == "none":
            state[0] += mean
            count = int(np.floor(state[0] + 1e-9))
            state[0] -= count
        elif self.noise == "poisson":
            count = rng.poisson(mean)
        else:
            k = values[self.dispersion]
            count = rng.negative_binomial(k, k / (k + max(mean, 1e-12)))
        pool = sum(duty)
        count = min(count, pool)
        hits = []
        for j, n in enumerate(duty):
            hit = count if j == len(duty) - 1 else (rng.hypergeometric(n, pool - n, count) if count else 0)
            pool -= n
            count -= hit
            hits.append(int(hit))
        return hits


def spread(count: np.ndarray, duty: np.ndarray, total: np.ndarray, streams: Streams) -> np.ndarray:
    """Share each replication's ``count`` casualties among the units (columns of ``duty``, whose
    rows sum to ``total``): who is hit is a draw without replacement from everyone on duty
    there (a multivariate hypergeometric, one unit at a time)."""
    hit = np.zeros_like(duty)
    left, pool = count, total
    last = duty.shape[1] - 1
    for j in range(last):
        here = duty[:, j]
        got = streams.draw("hypergeometric", here, pool - here, left) if left.any() else np.zeros_like(left)
        hit[:, j] = got
        left, pool = left - got, pool - here
    hit[:, last] = left
    return hit
