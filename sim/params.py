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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

DISTRIBUTION_NAMES = ("uniform", "low/high", "triangular", "normal", "lognormal")
#: An unbounded distribution is refused when its field's domain holds less than this share of
#: its mass.
MIN_MASS = 0.01


class Domain(NamedTuple):
    """The values a field may take: ``low <= x <= high`` (whole numbers if ``integer``)."""

    low: float
    high: float
    integer: bool = False

    def __str__(self) -> str:
        return f"[{self.low:g}, {self.high:g}]"


class ParamError(ValueError):
    """A parameter is malformed; the message states the rule."""


@dataclass(frozen=True)
class Param:
    """A scalar parameter: a fixed value or a distribution to draw from per replication.

    Parameters
    ----------
    kind : str
        ``"fixed"``, ``"uniform"``, ``"triangular"``, ``"normal"`` or ``"lognormal"``.
    args : tuple of float
        The distribution's arguments in the order of the file syntax.
    """

    kind: str
    args: tuple[float, ...]

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, value: Any) -> Param:
        """Read a plain number or a one-key distribution mapping."""
        if isinstance(value, Param):
            return value
        if isinstance(value, bool):
            raise ParamError("must be a number or a distribution, not true/false")
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise ParamError("must be a finite number")
            return cls("fixed", (float(value),))
        if not isinstance(value, dict):
            raise ParamError(
                "must be a number or a distribution "
                "({uniform: [a, b]}, {low: a, high: b}, {triangular: [a, mode, b]}, "
                "{normal: [mean, sd]}, {lognormal: [median, sigma]})"
            )
        if set(value) == {"low", "high"}:
            return cls._make("uniform", [value["low"], value["high"]])
        if len(value) != 1:
            raise ParamError(
                f"a distribution has exactly one of {', '.join(DISTRIBUTION_NAMES)}; "
                f"got keys {sorted(map(str, value))}"
            )
        (name, args), = value.items()
        if name not in ("uniform", "triangular", "normal", "lognormal"):
            raise ParamError(
                f"unknown distribution {name!r}; allowed: {', '.join(DISTRIBUTION_NAMES)}"
            )
        return cls._make(name, args)

    @classmethod
    def _make(cls, name: str, args: Any) -> Param:
        wanted = {"uniform": 2, "triangular": 3, "normal": 2, "lognormal": 2}[name]
        if not isinstance(args, list | tuple) or len(args) != wanted:
            raise ParamError(f"{name} takes a list of {wanted} numbers")
        if any(isinstance(a, bool) or not isinstance(a, int | float) for a in args):
            raise ParamError(f"{name} takes numbers only")
        a = tuple(float(x) for x in args)
        if not all(math.isfinite(x) for x in a):
            raise ParamError(f"{name} takes finite numbers only")
        if name == "uniform" and not a[0] <= a[1]:
            raise ParamError(f"uniform needs low <= high (got {a[0]:g} > {a[1]:g})")
        if name == "triangular" and not a[0] <= a[1] <= a[2]:
            raise ParamError("triangular needs low <= mode <= high")
        if name == "normal" and a[1] < 0:
            raise ParamError("normal needs sd >= 0")
        if name == "lognormal" and (a[0] <= 0 or a[1] < 0):
            raise ParamError("lognormal needs median > 0 and sigma >= 0")
        return cls(name, a)

    # -- properties -----------------------------------------------------------------------
    # -- properties -----------------------------------------------------------------------
    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    @property
    def bounds(self) -> tuple[float, float]:
        """The support of the distribution (infinite for normal/lognormal tails)."""
        a = self.args
        if self.kind == "fixed":
            return a[0], a[0]
        if self.kind == "uniform":
            return a[0], a[1]
        if self.kind == "triangular":
            return a[0], a[2]
        if self.kind == "normal":
            return (-math.inf, math.inf) if a[1] > 0 else (a[0], a[0])
        return (0.0, math.inf) if a[1] > 0 else (a[0], a[0])

    @property
    def mean(self) -> float:
        """The distribution's mean (before truncation to the field's domain)."""
        a = self.args
        if self.kind == "fixed":
            return a[0]
        if self.kind == "uniform":
            return (a[0] + a[1]) / 2
        if self.kind == "triangular":
            return sum(a) / 3
        if self.kind == "normal":
            return a[0]
        return a[0] * math.exp(a[1] ** 2 / 2)

    @property
    def variance(self) -> float:
        a = self.args
        if self.kind == "fixed":
            return 0.0
        if self.kind == "uniform":
            return (a[1] - a[0]) ** 2 / 12
        if self.kind == "triangular":
            lo, mo, hi = a
            return (lo**2 + mo**2 + hi**2 - lo * mo - lo * hi - mo * hi) / 18
        if self.kind == "normal":
            return a[1] ** 2
        s2 = a[1] ** 2
        return (math.exp(s2) - 1) * a[0] ** 2 * math.exp(s2)

    @property
    def is_unbounded(self) -> bool:
        """A normal or lognormal of nonzero spread: truncated to its field's domain."""
        return self.kind in ("normal", "lognormal") and self.args[1] > 0

    def mass_in(self, low: float, high: float) -> float:
        """The share of an unbounded distribution's mass in ``[low, high]``."""
        return _mass(self._standard(low), self._standard(high))

    def check_domain(self, low: float, high: float) -> None:
        """Refuse a bounded distribution that leaves ``[low, high]``, or an unbounded one of
        which ``[low, high]`` holds less than :data:`MIN_MASS` (see the module's notes)."""
        if not self.is_unbounded:
            lo, hi = self.bounds
            if lo < low or hi > high:
                raise ParamError(f"must lie in [{low:g}, {high:g}] (got {self.describe()})")
        elif self.mass_in(low, high) < MIN_MASS:
            raise ParamError(f"{self.describe()} puts under {MIN_MASS:.0%} of its mass in [{low:g}, {high:g}], "
                             "the field's domain")

    def support(self, low: float = -math.inf, high: float = math.inf) -> tuple[float, float]:
        """The values draws can take on the domain ``[low, high]``."""
        lo, hi = self.bounds
        return max(lo, low), min(hi, high)

    # -- drawing --------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, size: int, low: float = -math.inf,
               high: float = math.inf) -> np.ndarray:
        """Draw ``size`` values (one per replication) as float64 on the domain ``[low, high]``:
        an unbounded distribution truncated to it (a bounded one already lies in it)."""
        a = self.args
        if self.is_unbounded:
            return self.quantile(rng.random(size), low, high)
        if self.kind == "uniform":
            return rng.uniform(a[0], a[1], size)
        if self.kind == "triangular" and a[0] < a[2]:
            return rng.triangular(a[0], a[1], a[2], size)
        return np.full(size, self.bounds[0])

    def quantile(self, u: np.ndarray, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
        """The quantile function at ``u`` (in [0, 1]) on the domain ``[low, high]``: for a
        normal or lognormal, that of the distribution truncated to the domain."""
        u = np.asarray(u, dtype=float)
        a = self.args
        if self.is_unbounded:
            z = _truncated_ndtri(u, self._standard(low), self._standard(high))
            x = a[0] + a[1] * z if self.kind == "normal" else a[0] * np.exp(a[1] * z)
            # The inverse CDF can land an ulp outside the domain's ends.
            return np.clip(x, *self.support(low, high))
        if self.kind == "uniform":
            return a[0] + u * (a[1] - a[0])
        if self.kind == "triangular" and a[0] < a[2]:
            from scipy import stats

            return stats.triang.ppf(u, (a[1] - a[0]) / (a[2] - a[0]), loc=a[0], scale=a[2] - a[0])
        return np.full_like(u, self.bounds[0])

    def _standard(self, x: float) -> float:
        """``x`` on the standard normal scale of an unbounded distribution."""
        centre, spread = self.args
        if self.kind == "normal":
            return (x - centre) / spread
        if x <= 0:
            return -math.inf
        return (math.log(x) - math.log(centre)) / spread

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"{self.args[0]:g}"
        return f"{self.kind}({', '.join(f'{x:g}' for x in self.args)})"

    def to_yaml(self) -> float | dict[str, list[float]]:
        """The file syntax for this parameter (used when writing a resolved scenario)."""
        if self.kind == "fixed":
            v = self.args[0]
            return int(v) if v.is_integer() else v
        return {self.kind: [int(x) if x.is_integer() else x for x in self.args]}


def _mass(a: float, b: float) -> float:
    """The standard normal's mass in ``[a, b]``."""
    from scipy.special import ndtr

    if a > 0:  # the upper tail, mirrored: there the CDF keeps its precision
        a, b = -b, -a
    return float(ndtr(b) - ndtr(a))


def _truncated_ndtri(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """The quantile function at ``u`` of the standard normal truncated to ``[a, b]``."""
    from scipy.special import ndtr, ndtri

    if a > 0:  # the upper tail, mirrored: there the CDF keeps its precision
        return -_truncated_ndtri(1.0 - u, -b, -a)
    lo, hi = ndtr(a), ndtr(b)
    return ndtri(lo + u * (hi - lo))
