"""Loss laws: how many people on duty in a posture become combat casualties each day.

A posture's law is chosen by the fields it gives (:attr:`sim.scenario.Posture.law`) and made
when the scenario is compiled (:func:`law_for`), holding the field paths of the parameters it
reads.  A law has two forms: its :attr:`Law.code` and :meth:`Law.kernel_inputs`, which the
compiled daily step (:mod:`sim.kernel`) draws from for every replication, and
:meth:`Law.draw_one` for one replication with scalar draws (the reference model, see
:mod:`sim.reference`), written the obvious way as a yardstick.

A new law is a class here, registered under the name ``Posture.law`` gives it, with the fields
it reads in the scenario schema, and a branch of the compiled step for its code; the plan
collects a posture's parameters from its fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from .kernel import (
    LAW_LANCHESTER,
    LAW_NONE,
    LAW_PER_DAY,
    LAW_RATE,
    NOISE_BINOMIAL,
    NOISE_NEGATIVE_BINOMIAL,
    NOISE_NONE,
    NOISE_POISSON,
)
from .params import Param

if TYPE_CHECKING:
    from .scenario import Posture

#: Law classes by the name :attr:`sim.scenario.Posture.law` gives them.
LAWS: dict[str, type[Law]] = {}


def register(cls: type[Law]) -> type[Law]:
    """Class decorator: make ``cls`` the law of postures whose ``law`` is ``cls.name``."""
    LAWS[cls.name] = cls
    return cls


def law_for(name: str, posture: Posture, prefix: str = "") -> Law:
    """The loss law of the posture called ``name`` (of the side whose field paths start with
    ``prefix``).

    Raises
    ------
    KeyError
        When no law is registered under ``posture.law``.
    """
    return LAWS[posture.law].from_posture(f"{prefix}postures.{name}", posture)


class KernelInputs(NamedTuple):
    """What the compiled step reads of a law, per replication (None: not read)."""

    rate: np.ndarray | None = None  # per-person daily probability (``LAW_RATE``)
    mean: np.ndarray | None = None  # mean count a day (``LAW_PER_DAY``)
    dispersion: np.ndarray | None = None  # negative binomial shape (``LAW_PER_DAY``)
    noise: int = NOISE_NONE
    trend: np.ndarray | None = None  # factor per 30 days in the posture
    cv: np.ndarray | None = None  # coefficient of variation of a daily factor on the rate
    coefficient: np.ndarray | None = None  # Lanchester coefficient (``LAW_LANCHESTER``)
    own_exponent: np.ndarray | None = None  # power of own strength (``LAW_LANCHESTER``)
    enemy_exponent: np.ndarray | None = None  # power of the enemy's strength (``LAW_LANCHESTER``)


class Law:
    """A posture's loss law.  Subclasses set :attr:`name` and :attr:`code` and implement the
    methods below."""

    #: The law's name, as :attr:`sim.scenario.Posture.law` gives it.
    name: ClassVar[str]
    #: The law's branch of the compiled daily step (:data:`sim.kernel.LAW_NONE` and so on).
    code: ClassVar[int]

    @property
    def causes_losses(self) -> bool:
        """False for a law that never makes casualties."""
        return self.code != LAW_NONE

    @classmethod
    def from_posture(cls, own: str, posture: Posture) -> Law:
        """The law of the posture whose field path is ``own`` (``postures.combat``), with its
        parameters' field paths."""
        raise NotImplementedError

    def kernel_inputs(self, values: Mapping[str, np.ndarray]) -> KernelInputs:
        """The law's parameters as the compiled step reads them, from each replication's
        parameter values by field path."""
        return KernelInputs()

    def start(self, reps: int) -> Any:
        """What :meth:`draw_one` carries from one day to the next (None: nothing)."""
        return None

    def draw_one(self, duty: list[int], values: Mapping[str, float], rng: np.random.Generator, state: Any) -> list[int]:
        """One replication's casualties of the day in each unit of the posture (``duty``: one
        count per unit); ``state`` is what ``start(1)`` returned."""
        raise NotImplementedError


@register
@dataclass(frozen=True)
class NoLoss(Law):
    """No combat losses (training, rear duty)."""

    name: ClassVar[str] = "none"
    code: ClassVar[int] = LAW_NONE

    @classmethod
    def from_posture(cls, own: str, posture: Posture) -> NoLoss:
        return cls()

    def draw_one(self, duty, values, rng, state):
        return [0] * len(duty)


@register
@dataclass(frozen=True)
class DailyRate(Law):
    """Each person on duty is hit on a given day with probability ``daily_rate`` (a binomial
    draw per unit): the force decays exponentially."""

    name: ClassVar[str] = "rate"
    code: ClassVar[int] = LAW_RATE
    rate: str  # field path of the per-person daily probability (of the posture it is tied to)
    times: str | None = None  # field path of the multiple of a tied rate
    trend: str | None = None  # field path of the factor per 30 days
    cv: str | None = None  # field path of the daily variation

    @classmethod
    def from_posture(cls, own: str, posture: Posture) -> DailyRate:
        tie = posture.daily_rate
        if isinstance(tie, Param):
            return cls(f"{own}.daily_rate", None, f"{own}.trend", f"{own}.daily_cv")
        base = f"{own.rsplit('.', 1)[0]}.{tie.of}.daily_rate"  # the posture of that name on the same side
        return cls(base, f"{own}.daily_rate.times", f"{own}.trend", f"{own}.daily_cv")

    def _rate(self, values):
        return values[self.rate] * values[self.times] if self.times else values[self.rate]

    def kernel_inputs(self, values):
        rate = self._rate(values)
        if (rate > 1).any():
            raise ValueError(f"{self.times}: the tied rate exceeds 1 in some replications")
        trend = values[self.trend] if self.trend else None
        return KernelInputs(rate=rate, trend=trend, cv=values[self.cv] if self.cv else None)

    def draw_one(self, duty, values, rng, state):
        return [int(rng.binomial(n, self._rate(values))) for n in duty]


_NOISE = {"none": NOISE_NONE, "poisson": NOISE_POISSON, "negative_binomial": NOISE_NEGATIVE_BINOMIAL}


@register
@dataclass(frozen=True)
class PerDay(Law):
    """A count a day across everyone in the posture, ``per_day`` on average, varying by
    ``noise``; at most the number on duty, shared among the units by a draw without
    replacement."""

    name: ClassVar[str] = "per_day"
    code: ClassVar[int] = LAW_PER_DAY
    per_day: str  # field path of the mean count a day
    noise: str  # "poisson", "negative_binomial" or "none"
    dispersion: str | None  # field path of the negative binomial's shape (that noise only)
    trend: str | None = None  # field path of the factor per 30 days

    @classmethod
    def from_posture(cls, own: str, posture: Posture) -> PerDay:
        dispersion = f"{own}.dispersion" if posture.noise == "negative_binomial" else None
        return cls(f"{own}.per_day", posture.noise, dispersion, f"{own}.trend")

    def kernel_inputs(self, values):
        k = values[self.dispersion] if self.dispersion else None
        trend = values[self.trend] if self.trend else None
        return KernelInputs(mean=values[self.per_day], dispersion=k, noise=_NOISE[self.noise], trend=trend)

    def start(self, reps: int) -> np.ndarray:
        """The fraction of a casualty carried over to the next day (noise ``none``)."""
        return np.zeros(reps)

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


@register
@dataclass(frozen=True)
class Lanchester(Law):
    """Losses whose daily mean is ``coefficient x own ** own_exponent x enemy ** enemy_exponent``,
    own being the people on duty in the posture's present units and enemy the other side's people
    on duty, both at the start of the day's fighting: each person on duty in the posture is hit
    with probability mean / own (at most 1, a binomial draw per unit, with the posture's daily
    variation and trend), or, ``deterministic``, exactly the mean is taken (the fraction of a
    casualty carried over), shared among the units by draws without replacement.  The compiled
    step draws it; the reference model has no opponent."""

    name: ClassVar[str] = "lanchester"
    code: ClassVar[int] = LAW_LANCHESTER
    coefficient: str  # field path of the coefficient
    own_exponent: str
    enemy_exponent: str
    trend: str
    cv: str
    deterministic: bool = False

    @classmethod
    def from_posture(cls, own: str, posture: Posture) -> Lanchester:
        law = f"{own}.lanchester"
        return cls(
            f"{law}.coefficient",
            f"{law}.own_exponent",
            f"{law}.enemy_exponent",
            f"{own}.trend",
            f"{own}.daily_cv",
            posture.lanchester.deterministic,
        )

    def kernel_inputs(self, values):
        return KernelInputs(
            noise=NOISE_NONE if self.deterministic else NOISE_BINOMIAL,
            trend=values[self.trend],
            cv=values[self.cv],
            coefficient=values[self.coefficient],
            own_exponent=values[self.own_exponent],
            enemy_exponent=values[self.enemy_exponent],
        )

    def draw_one(self, duty, values, rng, state):
        raise NotImplementedError("the reference model has no opponent")
