"""Priors of the fitted parameters: the scenario file's own distributions, on the field's domain.

A parameter written as a distribution in the scenario file (``{uniform: [0.005, 0.011]}``)
is that parameter's prior.  A fitted parameter must have one: a fixed value has nothing to
update, and fitting it would silently invent a prior.  The domain is the one the scenario
schema declares (:func:`sim.domains.domain_of`), and a normal or lognormal prior is truncated
to it exactly as a run's draws are (see :mod:`sim.params`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domains import domain_of
from ..errors import InputError
from ..params import Param
from ..plan import compile_plan
from ..scenario import Scenario


class CalibrationError(InputError):
    """Bad calibration input; ``str()`` is one line naming the file (or option), field and rule."""


@dataclass(frozen=True)
class Prior:
    """The prior of one fitted parameter: its distribution, truncated to its domain.

    Parameters
    ----------
    path : str
        The parameter's field path (``postures.combat.daily_rate``).
    param : Param
        The distribution written in the scenario file.
    """

    path: str
    param: Param

    @property
    def domain(self) -> tuple[float, float]:
        """The field's domain, as the scenario schema declares it."""
        low, high, _ = domain_of(self.path)
        return low, high

    @property
    def support(self) -> tuple[float, float]:
        return self.param.support(*self.domain)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at ``x`` of the prior truncated to its domain, ``-inf`` outside the support."""
        return self.param.logpdf(x, *self.domain)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws from the prior on its domain (as a run draws the parameter)."""
        return self.param.sample(rng, size, *self.domain)

    def describe(self) -> str:
        return self.param.describe()


def _zero_width(p: Param) -> bool:
    lo, hi = p.bounds
    return lo == hi


def priors_for(scenario: Scenario, fit: list[str] | tuple[str, ...], source: str) -> list[Prior]:
    """The priors of the parameters to fit, checked against the scenario.

    Raises
    ------
    CalibrationError
        When no parameter is named, one is named twice, is not a parameter of the scenario,
        or is a fixed value (or a distribution of zero width) rather than a prior.
    """
    if not fit:
        raise CalibrationError(
            "--fit", "", "name at least one parameter to fit (e.g. --fit postures.combat.daily_rate)"
        )
    params = compile_plan(scenario).params
    with_prior = sorted(p for p, v in params.items() if not v.is_fixed)
    hint = (
        f"parameters with a prior distribution: {', '.join(with_prior)}"
        if with_prior
        else "the file gives no parameter as a distribution"
    )
    out: list[Prior] = []
    for path in fit:
        if path in (p.path for p in out):
            raise CalibrationError("--fit", path, "is named twice")
        if path not in params:
            raise CalibrationError(source, path, f"no such parameter in this scenario; {hint}")
        p = params[path]
        if p.is_fixed or _zero_width(p):
            raise CalibrationError(
                source,
                path,
                f"is a fixed value ({p.describe()}); a fitted parameter needs a prior distribution "
                "in the file, e.g. {uniform: [low, high]}",
            )
        out.append(Prior(path, p))
    return out
