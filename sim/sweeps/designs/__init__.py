"""Sweep designs: where in parameter space a sweep's points lie, and what is read from them.

A design is first drawn in the unit hypercube (one coordinate per swept parameter, 0 the
parameter's low end, 1 its high end), then each coordinate is mapped to a value through the
parameter's quantile function (:mod:`sim.sweeps.designs.scale`).

Each design is one module here holding all that is its own: its size and rules, its points
in the unit cube, the columns it adds to each point, its analyses and its charts, as a
:class:`Design` registered in :data:`DESIGNS` under its name.  The sweep file's schema, the
command line, the store, :func:`sim.sweeps.analysis.analyze` and
:func:`sim.sweeps.charts.write_plots` read the registry and never name a design.

The designs (``n`` is the design's size, ``k`` the number of parameters):

``grid`` (:mod:`.grid`)
    Every combination of ``n`` evenly spaced levels per parameter: ``n**k`` points.
``oat`` (:mod:`.oat`)
    One at a time: a baseline with every parameter at its middle, then each parameter in
    turn at ``n`` evenly spaced levels: ``1 + k * n`` points, or ``1 + k * (n - 1)`` when
    ``n`` is odd.
``lhs`` (:mod:`.lhs`)
    Latin hypercube of ``n`` points (SALib).
``morris`` (:mod:`.morris`)
    ``n`` Morris trajectories on a grid of ``levels`` levels: ``n * (k + 1)`` points (SALib).
``sobol`` (:mod:`.sobol`)
    Saltelli's scheme on a scrambled Sobol' sequence of base size ``n`` (a power of 2):
    ``n * (k + 2)`` points, or ``n * (2k + 2)`` with second-order indices (SALib).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..frame import AnalysisError, OutputValues, settings

#: The design of a sweep that names none.
DEFAULT = "oat"
MAX_POINTS = 1_000_000


class DesignError(ValueError):
    """A design cannot be built as asked; the message states the rule, ``field`` the setting
    at fault (``design``, ``n``, ``levels`` or ``second_order``)."""

    def __init__(self, rule: str, field: str = "design"):
        super().__init__(rule)
        self.field = field


class Design:
    """A sweep design.  Subclasses set the class attributes and implement :meth:`size`,
    :meth:`unit_sample` and :meth:`analyse`, and where they have any :meth:`rules`,
    :meth:`extra` and :meth:`charts`."""

    #: The name ``--design`` and the sweep file give.
    name: ClassVar[str]
    #: What the design is, in a few words, for help texts.
    description: ClassVar[str]
    #: What ``n`` counts, for help texts.
    n_counts: ClassVar[str]
    #: ``n`` when none is given.
    default_n: ClassVar[int]
    #: Whether the design takes ``second_order``.
    second_order: ClassVar[bool] = False
    #: Text columns the design adds to each point, after ``batch`` (see :meth:`extra`).
    extra_columns: ClassVar[tuple[str, ...]] = ()

    def size(self, k: int, n: int, second_order: bool = False) -> int:
        """Number of points of the design of size ``n`` over ``k`` parameters."""
        raise NotImplementedError

    def rules(self, k: int, n: int, levels: int) -> None:
        """Raise :class:`DesignError` when ``k``, ``n`` or ``levels`` break the design's own rules."""

    def check(self, k: int, n: int, levels: int, second_order: bool) -> None:
        """Refuse settings that cannot make the design, or that would make it absurdly large.

        Raises
        ------
        DesignError
            Naming the rule and the setting at fault.
        """
        if k < 1:
            raise DesignError("give at least one parameter to sweep")
        self.rules(k, n, levels)
        if second_order and not self.second_order:
            takers = " or ".join(d.name for d in DESIGNS.values() if d.second_order)
            raise DesignError(f"second_order goes with the {takers} design only", "second_order")
        size = self.size(k, n, second_order)
        if size > MAX_POINTS:
            raise DesignError(f"the design would have {size:,} points; at most {MAX_POINTS:,}", "n")

    def unit_sample(self, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
        """The design's points in the unit hypercube, for settings :meth:`check` accepts.

        Parameters
        ----------
        k : int
            Number of parameters.
        n : int
            The design's size.
        seed : int
            Seed of a sampling design.
        levels : int
            Grid levels of a Morris design.
        second_order : bool
            Sobol design with second-order indices.

        Returns
        -------
        ndarray, shape (points, k)
            Coordinates in [0, 1], :meth:`size` rows.
        """
        raise NotImplementedError

    def extra(self, unit: np.ndarray, paths: list[str]) -> dict[str, list[str]]:
        """The :attr:`extra_columns` of the points ``unit`` (from :meth:`unit_sample`) over the
        parameters ``paths``."""
        return {}

    def analyse(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The design's analyses of a sweep (the frame :func:`sim.sweep` returns) over every
        output: tables by name, each written as ``<name>.csv``, with an ``output`` column first."""
        raise NotImplementedError

    def charts(self, frame: pd.DataFrame) -> list[tuple[str, Callable[[], Any]]]:
        """The design's charts of a sweep: ``(file name, function drawing the figure)`` pairs."""
        return []


#: Every design, by name, in the order help texts list them.
DESIGNS: dict[str, Design] = {}


def register(d: Design) -> Design:
    """Make ``d`` the design called ``d.name``."""
    DESIGNS[d.name] = d
    return d


def design(name: str) -> Design:
    """The design called ``name``.

    Raises
    ------
    DesignError
        When there is none, listing those there are.
    """
    try:
        return DESIGNS[name]
    except KeyError:
        raise DesignError(f"unknown design {name!r}; allowed: {', '.join(DESIGNS)}") from None


def design_size(name: str, k: int, n: int, second_order: bool = False) -> int:
    """Number of points of the design ``name`` of size ``n`` over ``k`` parameters."""
    return design(name).size(k, n, second_order)


def check_design(name: str, k: int, n: int, levels: int, second_order: bool) -> None:
    """Refuse a design that does not exist, cannot be built or would be absurdly large."""
    design(name).check(k, n, levels, second_order)


def unit_design(name: str, k: int, n: int, seed: int, levels: int = 4, second_order: bool = False) -> np.ndarray:
    """The points of the design ``name`` in the unit hypercube, checked first (see
    :meth:`Design.unit_sample`)."""
    d = design(name)
    d.check(k, n, levels, second_order)
    return d.unit_sample(k, n, seed, levels, second_order)


def complete(frame: pd.DataFrame, name: str) -> dict[str, Any]:
    """The settings of a sweep of the design ``name`` with every point done.

    Raises
    ------
    AnalysisError
        When the sweep's design is another, or points are missing.
    """
    sw = settings(frame)
    if sw["design"] != name:
        raise AnalysisError(f"needs a {name} design; this sweep's design is {sw['design']}")
    expected = design(name).size(len(sw["params"]), sw["n"], sw["second_order"])
    if len(frame) != expected or list(frame["point"]) != list(range(expected)):
        raise AnalysisError(
            f"needs every point of the design ({len(frame):,} of {expected:,} done); resume the sweep first"
        )
    return sw


def not_computed(info: OutputValues, what: str) -> str:
    """Why an analysis that needs the output at every point (Sobol' indices, Morris
    statistics) is not computed for it, or ``""`` when it is: the output does not vary, or it
    is a median crossing day censored at some points.  A censored day is not replaced by the
    run's length (that would treat "after the end" as a day) and the points are not dropped
    (the estimators need the whole design): the probability of crossing is the output to read."""
    flat = info.no_variation()
    if flat:
        return flat
    note = info.censored_note()
    if note:
        instead = f"; read {info.crossing} instead" if info.crossing else ""
        return f"{what} not computed: {note}{instead}"
    return ""


def salib_problem(names: list[str]) -> dict[str, Any]:
    """SALib's description of ``names`` as parameters on the unit interval."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


# The designs import Design from here, so they come after it; the order is that of help texts.
from . import grid, lhs, morris, oat, sobol  # noqa: E402

for _d in (grid.Grid(), oat.OneAtATime(), lhs.LatinHypercube(), morris.Morris(), sobol.Sobol()):
    register(_d)
