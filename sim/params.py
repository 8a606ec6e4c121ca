"""Numeric parameters that are either a fixed value or a distribution.

Any number in a scenario file may be written as a plain value or as one of

``{uniform: [low, high]}``, ``{low: L, high: H}`` (a reported range, read as uniform),
``{triangular: [low, mode, high]}``, ``{normal: [mean, sd]}`` or
``{lognormal: [median, sigma]}``.

Each replication draws its own value, always inside the field's domain (a share in [0, 1], a
count in [0, 10,000,000], ...; see :mod:`sim.domains`).  One rule, the same for a run, a
sweep, a calibration and a posterior file:

- A bounded distribution (a fixed value, ``uniform``, ``low/high``, ``triangular``) must lie
  inside the field's domain, else it is refused when the file is loaded.
- An unbounded one (``normal``, ``lognormal``) is truncated to the domain: its draws come
  exactly from the distribution conditioned on the domain (inverse CDF over the domain's part
  of the CDF), never clipped, since clipping would pile probability onto the domain's ends.
  It is refused when the domain holds less than 1% of its mass (``normal(0.9, 0.01)`` for a
  share at most 0.5, say): such a distribution says something the domain rules out.

Per-replication values given from outside (posterior samples, sweep points) must lie in the
domain too; they are refused, never clipped.

Each kind is a class that checks its own arguments and knows its file syntax, support, mean,
variance, draws, quantiles and density: :class:`Fixed`, :class:`Uniform`, :class:`Triangular`,
:class:`Normal` and :class:`LogNormal`.  :data:`DISTRIBUTIONS` maps a file key to its class;
a new distribution is one class and its entry there.  ``Param(kind, args)`` makes the class of
that kind, so ``Param("uniform", (0.1, 0.5))`` is a :class:`Uniform`.

The kinds live here, beside :class:`Param`, because ``Param(kind, args)`` and
:meth:`Param.parse` look them up in the registry: in a module of their own they would have to
register themselves when it is imported, and ``Param`` would work only once that import had
happened.  The standard normal's tail-accurate maths is in :mod:`sim.stdnormal`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .stdnormal import LOG_SQRT_2PI, mass, truncated_ndtri

#: An unbounded distribution is refused when its field's domain holds less than this share of
#: its mass.
MIN_MASS = 0.01


class ParamError(ValueError):
    """A parameter is malformed; the message states the rule."""


@dataclass(frozen=True)
class Param(ABC):
    """A scalar parameter: a fixed value or a distribution to draw from per replication.

    ``Param(kind, args)`` makes the class of that kind, which checks its arguments.  Draws,
    quantiles and densities are on a field's domain ``[low, high]``: a bounded kind lies inside
    it (:meth:`check_domain`), so the domain leaves it as it is; an unbounded one is truncated
    to it.

    Parameters
    ----------
    kind : str
        ``"fixed"`` or a key of :data:`DISTRIBUTIONS`.
    args : tuple of float
        The arguments in the order of the file syntax.

    Raises
    ------
    ParamError
        When the kind is unknown or the arguments break the kind's rule.
    """

    kind: str
    args: tuple[float, ...]

    #: The kind, which is also the file key of a distribution.
    KEY: ClassVar[str]
    #: The names of the arguments, in the order of the file syntax.
    ARGS: ClassVar[tuple[str, ...]]

    def __new__(cls, kind: str | None = None, args: Any = None) -> Param:
        # Pickle and copy call __new__ on the subclass itself, without arguments.
        return object.__new__(_class_of(kind) if cls is Param else cls)

    def __post_init__(self) -> None:
        if self.kind != self.KEY:
            raise ParamError(f"a {type(self).__name__} has kind {self.KEY!r}, not {self.kind!r}")
        args = tuple(float(a) for a in self.args)
        object.__setattr__(self, "args", args)
        if len(args) != len(self.ARGS):
            raise ParamError(f"{self.KEY} takes a list of {len(self.ARGS)} numbers")
        if not all(math.isfinite(a) for a in args):
            raise ParamError(f"{self.KEY} takes finite numbers only")
        rule = self._broken_rule()
        if rule:
            raise ParamError(rule)

    def _broken_rule(self) -> str | None:
        """The rule the (finite) arguments break, stated as an error message; None if none."""
        return None

    # -- file syntax ------------------------------------------------------------------------
    @classmethod
    def of(cls, *args: float) -> Param:
        """This kind with these arguments: ``Uniform.of(0.1, 0.5)``."""
        return cls(cls.KEY, args)

    @classmethod
    def parse(cls, value: Any) -> Param:
        """Read a plain number or a distribution mapping (see the module's notes)."""
        if isinstance(value, Param):
            return value
        if isinstance(value, bool):
            raise ParamError("must be a number or a distribution, not true/false")
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ParamError("must be a finite number")
            return Fixed.of(value)
        if not isinstance(value, dict):
            forms = ", ".join(c.syntax() for c in DISTRIBUTIONS.values())
            raise ParamError(f"must be a number or a distribution ({forms})")
        if set(value) == {"low", "high"}:
            return Uniform.read([value["low"], value["high"]])
        if len(value) != 1:
            raise ParamError(f"a distribution has exactly one of {_allowed()}; got keys {sorted(map(str, value))}")
        ((name, args),) = value.items()
        if name not in DISTRIBUTIONS:
            raise ParamError(f"unknown distribution {name!r}; allowed: {_allowed()}")
        return DISTRIBUTIONS[name].read(args)

    @classmethod
    def read(cls, args: Any) -> Param:
        """This kind from the list of arguments of its file syntax ``{key: [args...]}``."""
        if not isinstance(args, list | tuple) or len(args) != len(cls.ARGS):
            raise ParamError(f"{cls.KEY} takes a list of {len(cls.ARGS)} numbers")
        if any(isinstance(a, bool) or not isinstance(a, int | float) for a in args):
            raise ParamError(f"{cls.KEY} takes numbers only")
        return cls.of(*args)

    @classmethod
    def syntax(cls) -> str:
        """How this kind is written in a file: ``{normal: [mean, sd]}``."""
        return f"{{{cls.KEY}: [{', '.join(cls.ARGS)}]}}"

    def describe(self) -> str:
        """The parameter as messages show it: ``uniform(0.1, 0.5)``."""
        return f"{self.kind}({', '.join(f'{x:g}' for x in self.args)})"

    def to_yaml(self) -> float | dict[str, list[float]]:
        """The file syntax for this parameter (used when writing a resolved scenario)."""
        return {self.kind: [int(x) if x.is_integer() else x for x in self.args]}

    # -- support, moments, domain ------------------------------------------------------------
    @property
    def is_fixed(self) -> bool:
        return False

    @property
    def is_unbounded(self) -> bool:
        """Whether the support is unbounded, so that a field's domain truncates it."""
        return False

    @property
    @abstractmethod
    def bounds(self) -> tuple[float, float]:
        """The support of the distribution (infinite for normal/lognormal tails)."""

    @property
    @abstractmethod
    def mean(self) -> float:
        """The distribution's mean (before truncation to the field's domain)."""

    @property
    @abstractmethod
    def variance(self) -> float:
        """The distribution's variance (before truncation to the field's domain)."""

    def support(self, low: float = -math.inf, high: float = math.inf) -> tuple[float, float]:
        """The values draws can take on the domain ``[low, high]``."""
        lo, hi = self.bounds
        return max(lo, low), min(hi, high)

    def check_domain(self, low: float, high: float) -> None:
        """Refuse a bounded distribution that leaves ``[low, high]``, or an unbounded one of
        which ``[low, high]`` holds less than :data:`MIN_MASS` (see the module's notes)."""
        lo, hi = self.bounds
        if lo < low or hi > high:
            # A share written as a percentage (30 for 30%) is the likeliest slip.
            hint = " (a share is a fraction: write 0.3 for 30%)" if (low, high) == (0.0, 1.0) and 1 < hi <= 100 else ""
            raise ParamError(f"must lie in [{low:g}, {high:g}] (got {self.describe()}){hint}")

    # -- drawing, quantiles, density ---------------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        """Draw ``size`` values (one per replication) as float64 on the domain ``[low, high]``."""

    def quantile(self, u: np.ndarray, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        """The quantile function at ``u`` (in [0, 1]) on the domain ``[low, high]``."""
        u = np.asarray(u, dtype=float)
        lo, hi = self.bounds
        if lo == hi:
            return np.full_like(u, lo)
        return self._quantile(u, low, high)

    def logpdf(self, x: np.ndarray, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        """The log density at ``x`` on the domain ``[low, high]``, normalised there; ``-inf`` off
        the support.  A distribution of zero width has log probability 0 at its value."""
        x = np.asarray(x, dtype=float)
        lo, hi = self.support(low, high)
        inside = (x >= lo) & (x <= hi)
        if lo == hi:
            return np.where(inside, 0.0, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self._logpdf(x) - self._log_mass(low, high)
        return np.where(inside, out, -np.inf)

    @abstractmethod
    def _quantile(self, u: np.ndarray, low: float, high: float) -> np.ndarray:
        """:meth:`quantile` of a distribution of nonzero width."""

    @abstractmethod
    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        """The log density on the whole support, at ``x`` inside it."""

    def _log_mass(self, low: float, high: float) -> float:
        """The log of the mass in ``[low, high]``: 0 for a bounded kind, which lies in its domain."""
        return 0.0


class Fixed(Param):
    """A fixed value, written as a plain number: every replication takes it."""

    KEY = "fixed"
    ARGS = ("value",)

    @classmethod
    def syntax(cls) -> str:
        return "a plain number"

    def describe(self) -> str:
        return f"{self.args[0]:g}"

    def to_yaml(self) -> float:
        v = self.args[0]
        return int(v) if v.is_integer() else v

    @property
    def is_fixed(self) -> bool:
        return True

    @property
    def bounds(self) -> tuple[float, float]:
        return self.args[0], self.args[0]

    @property
    def mean(self) -> float:
        return self.args[0]

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        return np.full(size, self.args[0])

    def _quantile(self, u: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.full_like(u, self.args[0])

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        return np.zeros_like(x)


class Uniform(Param):
    """``{uniform: [low, high]}``, or ``{low: L, high: H}`` (a reported range): every value of
    ``[low, high]`` alike."""

    KEY = "uniform"
    ARGS = ("low", "high")

    def _broken_rule(self) -> str | None:
        a, b = self.args
        return None if a <= b else f"uniform needs low <= high (got {a:g} > {b:g})"

    @classmethod
    def syntax(cls) -> str:
        return f"{super().syntax()}, {{low: L, high: H}}"

    @property
    def bounds(self) -> tuple[float, float]:
        return self.args[0], self.args[1]

    @property
    def mean(self) -> float:
        return (self.args[0] + self.args[1]) / 2

    @property
    def variance(self) -> float:
        return (self.args[1] - self.args[0]) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        # Even at zero width: the draws consume the stream as they always have.
        return rng.uniform(self.args[0], self.args[1], size)

    def _quantile(self, u: np.ndarray, low: float, high: float) -> np.ndarray:
        a, b = self.args
        return a + u * (b - a)

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        a, b = self.args
        return np.full_like(x, -math.log(b - a))


class Triangular(Param):
    """``{triangular: [low, mode, high]}``: a density rising linearly from ``low`` to ``mode``,
    then falling linearly to ``high``."""

    KEY = "triangular"
    ARGS = ("low", "mode", "high")

    def _broken_rule(self) -> str | None:
        lo, mode, hi = self.args
        return None if lo <= mode <= hi else f"triangular needs low <= mode <= high (got {self.describe()})"

    @property
    def bounds(self) -> tuple[float, float]:
        return self.args[0], self.args[2]

    @property
    def mean(self) -> float:
        return sum(self.args) / 3

    @property
    def variance(self) -> float:
        lo, mode, hi = self.args
        # The textbook (lo^2 + mode^2 + hi^2 - lo*mode - lo*hi - mode*hi) / 18 without its cancelling
        # squares, so that zero width gives exactly 0.
        return ((hi - lo) ** 2 - (mode - lo) * (hi - mode)) / 18

    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        lo, mode, hi = self.args
        return rng.triangular(lo, mode, hi, size) if lo < hi else np.full(size, lo)

    def _quantile(self, u: np.ndarray, low: float, high: float) -> np.ndarray:
        from scipy import stats

        lo, mode, hi = self.args
        return stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        lo, mode, hi = self.args
        rising = (x - lo) / (mode - lo) if mode > lo else np.ones_like(x)
        falling = (hi - x) / (hi - mode) if hi > mode else np.ones_like(x)
        return np.log(2 / (hi - lo) * np.where(x < mode, rising, falling))


class Unbounded(Param):
    """A distribution with an unbounded tail, located by ``args[0]`` and spread by ``args[1]``,
    drawn from a standard normal: truncated to a field's domain by inverse CDF.  With zero
    spread it is the fixed value ``args[0]``."""

    #: The lower end of the support; the upper one is infinite.
    LOWEST: ClassVar[float]

    @property
    def is_unbounded(self) -> bool:
        return self.args[1] > 0

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.LOWEST, math.inf) if self.is_unbounded else (self.args[0], self.args[0])

    def mass_in(self, low: float, high: float) -> float:
        """The share of the distribution's mass in ``[low, high]``."""
        if not self.is_unbounded:
            return float(low <= self.args[0] <= high)
        return mass(self._standard(low), self._standard(high))

    def check_domain(self, low: float, high: float) -> None:
        if not self.is_unbounded:
            return super().check_domain(low, high)
        if self.mass_in(low, high) < MIN_MASS:
            raise ParamError(
                f"{self.describe()} puts under {MIN_MASS:.0%} of its mass in [{low:g}, {high:g}], the field's domain"
            )

    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        if not self.is_unbounded:
            return np.full(size, self.args[0])
        return self.quantile(rng.random(size), low, high)

    def _quantile(self, u: np.ndarray, low: float, high: float) -> np.ndarray:
        z = truncated_ndtri(u, self._standard(low), self._standard(high))
        # The inverse CDF can land an ulp outside the domain's ends.
        return np.clip(self._value(z), *self.support(low, high))

    def _log_mass(self, low: float, high: float) -> float:
        return math.log(self.mass_in(low, high))

    @abstractmethod
    def _standard(self, x: float) -> float:
        """``x`` on the standard normal scale."""

    @abstractmethod
    def _value(self, z: np.ndarray) -> np.ndarray:
        """The values at ``z`` on the standard normal scale."""


class Normal(Unbounded):
    """``{normal: [mean, sd]}``."""

    KEY = "normal"
    ARGS = ("mean", "sd")
    LOWEST = -math.inf

    def _broken_rule(self) -> str | None:
        return None if self.args[1] >= 0 else f"normal needs sd >= 0 (got {self.args[1]:g})"

    @property
    def mean(self) -> float:
        return self.args[0]

    @property
    def variance(self) -> float:
        return self.args[1] ** 2

    def _standard(self, x: float) -> float:
        return (x - self.args[0]) / self.args[1]

    def _value(self, z: np.ndarray) -> np.ndarray:
        return self.args[0] + self.args[1] * z

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        mu, sd = self.args
        return -0.5 * ((x - mu) / sd) ** 2 - math.log(sd) - LOG_SQRT_2PI


class LogNormal(Unbounded):
    """``{lognormal: [median, sigma]}``: ``log(x)`` is normal with mean ``log(median)`` and
    standard deviation ``sigma``."""

    KEY = "lognormal"
    ARGS = ("median", "sigma")
    LOWEST = 0.0

    def _broken_rule(self) -> str | None:
        if self.args[0] > 0 and self.args[1] >= 0:
            return None
        return f"lognormal needs median > 0 and sigma >= 0 (got {self.describe()})"

    @property
    def mean(self) -> float:
        return self.args[0] * math.exp(self.args[1] ** 2 / 2)

    @property
    def variance(self) -> float:
        s2 = self.args[1] ** 2
        return (math.exp(s2) - 1) * self.args[0] ** 2 * math.exp(s2)

    def _standard(self, x: float) -> float:
        if x <= 0:
            return -math.inf
        return (math.log(x) - math.log(self.args[0])) / self.args[1]

    def _value(self, z: np.ndarray) -> np.ndarray:
        return self.args[0] * np.exp(self.args[1] * z)

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        median, sigma = self.args
        log_x = np.log(x)
        return -log_x - 0.5 * ((log_x - math.log(median)) / sigma) ** 2 - math.log(sigma) - LOG_SQRT_2PI


#: The file key of every distribution -> its class (a plain number is a :class:`Fixed`).
DISTRIBUTIONS: dict[str, type[Param]] = {c.KEY: c for c in (Uniform, Triangular, Normal, LogNormal)}
_KINDS: dict[str, type[Param]] = {Fixed.KEY: Fixed, **DISTRIBUTIONS}


def _allowed() -> str:
    return ", ".join([*DISTRIBUTIONS, "low/high"])


def _class_of(kind: Any) -> type[Param]:
    if kind not in _KINDS:
        raise ParamError(f"unknown distribution {kind!r}; allowed: {_allowed()}")
    return _KINDS[kind]
