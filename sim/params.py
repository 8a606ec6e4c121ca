"""Numeric parameters that are either a fixed value or a distribution.

Any number in a scenario file may be written as a plain value or as one of

``{uniform: [low, high]}``, ``{low: L, high: H}`` (a reported range, read as uniform),
``{triangular: [low, mode, high]}``, ``{normal: [mean, sd]}`` or
``{lognormal: [median, sigma]}``.

Each replication draws its own value.  Draws that fall outside the field's domain (a normal
share below 0, say) are clipped to it; ranges that lie outside the domain are refused when
the file is loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

DISTRIBUTION_NAMES = ("uniform", "low/high", "triangular", "normal", "lognormal")


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
        """The distribution's mean (before clipping to the field's domain)."""
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

    def check_domain(self, low: float, high: float) -> None:
        """Refuse a parameter whose whole support, or a bounded end of it, leaves ``[low, high]``."""
        lo, hi = self.bounds
        if self.kind in ("fixed", "uniform", "triangular"):
            if lo < low or hi > high:
                raise ParamError(f"must lie in [{low:g}, {high:g}] (got {self.describe()})")
        elif self.mean < low or self.mean > high:
            raise ParamError(f"must centre in [{low:g}, {high:g}] (got {self.describe()})")

    # -- drawing --------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (one per replication) as float64."""
        a = self.args
        if self.kind == "fixed":
            return np.full(size, a[0])
        if self.kind == "uniform":
            return rng.uniform(a[0], a[1], size)
        if self.kind == "triangular":
            if a[0] == a[2]:
                return np.full(size, a[0])
            return rng.triangular(a[0], a[1], a[2], size)
        if self.kind == "normal":
            return rng.normal(a[0], a[1], size)
        return a[0] * np.exp(rng.normal(0.0, a[1], size))

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
