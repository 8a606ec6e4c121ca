"""The domain of every numeric scenario parameter, read once from the scenario schema.

Each numeric field of :class:`sim.scenario.Scenario` declares its domain where it is typed
(in :mod:`sim.fields`: ``Share``: [0, 1], ``DailyRate``: [0, 1], ``Count``: [0, 10,000,000],
...).  This module reads those declarations from the model when it is imported and maps every
parameter's field path to its domain, so that the scenario file, the engine, sweeps,
calibration priors and posterior files all use the same one.  The rule they apply is in
:mod:`sim.params`.

Paths are those of ``run --set`` and of :func:`sim.plan.compile_plan`'s parameters, list items
and mapping entries by name or index: ``units.wave-1.size``, ``postures.combat.daily_rate``,
``rotations.0.size``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, NamedTuple, Union, get_args, get_origin

import numpy as np
from pydantic import BaseModel

from .fields import MAX_DAYS
from .params import Param
from .scenario import OPPONENT, Scenario
from .when import DAY_KEYS, MAX_OFFSET, When

#: Shares of one whole, drawn one after the other from the same people: each pair must not
#: exceed 1 together (the scenario's rules say the same of their ranges).
SHARES_OF_ONE_WHOLE = tuple(
    (f"{side}{a}", f"{side}{b}")
    for side in ("", f"{OPPONENT}.")
    for a, b in (("casualties.killed", "casualties.missing"), ("wounded.return_to_duty", "wounded.died_of_wounds"))
)
#: Round-off allowed in a sum of shares (as the scenario allows in shares that sum to 1).
SUM_TOLERANCE = 1e-6


class Domain(NamedTuple):
    """The values a field may take: ``low <= x <= high`` (whole numbers if ``integer``)."""

    low: float
    high: float
    integer: bool = False

    def __str__(self) -> str:
        return f"[{self.low:g}, {self.high:g}]"


class DomainError(ValueError):
    """A value outside its domain; the message is one line naming the path and the rule."""


def _declared(meta: tuple[Any, ...]) -> Domain | None:
    """The domain declared in a field's ``Annotated`` metadata: a :class:`Domain`, or the
    ``low``/``high`` (and ``integer``) bound in the closure of the field's validator."""
    for m in meta:
        if isinstance(m, Domain):
            return m
    for m in meta:
        func = getattr(m, "func", None)
        code = getattr(func, "__code__", None)
        if code is None or not func.__closure__:
            continue
        cells = dict(zip(code.co_freevars, (c.cell_contents for c in func.__closure__), strict=True))
        if "low" in cells and "high" in cells:
            return Domain(float(cells["low"]), float(cells["high"]), bool(cells.get("integer", False)))
    return None


def _walk(annotation: Any, path: tuple[str, ...], seen: tuple[type, ...] = ()) -> Iterator[tuple[str, Domain]]:
    """``(path pattern, domain)`` of every :class:`Param` under ``annotation``; ``*`` stands
    for a list index or a mapping key."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        if args[0] is When:
            # An uncertain date: a day index (days after the start), drawn as a real number and
            # rounded, so that the first and last days are as likely as any other (sim.when); or
            # days after another event.
            yield ".".join(path), Domain(-0.5, MAX_DAYS + 0.5)
            yield ".".join((*path, "days")), Domain(0.0, MAX_OFFSET)
        elif args[0] is Param:
            found = _declared(args[1:])
            if found is None:
                raise TypeError(f"the scenario schema declares no domain for {'.'.join(path)}")
            yield ".".join(path), found
        else:
            yield from _walk(args[0], path, seen)
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _walk(arg, path, seen)
    elif origin is list:
        yield from _walk(args[0], (*path, "*"), seen)
    elif origin is dict:
        yield from _walk(args[1], (*path, "*"), seen)
    elif annotation is Param:
        raise TypeError(f"the scenario schema declares no domain for {'.'.join(path)}")
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        for name, field in annotation.model_fields.items():
            yield from _walk(field.rebuild_annotation(), (*path, field.alias or name), (*seen, annotation))


def _pattern(path: str) -> re.Pattern[str]:
    # A name may itself hold dots (``wave.2``), so ``*`` matches one or more path parts.
    return re.compile(r"\.".join(".+" if part == "*" else re.escape(part) for part in path.split(".")) + "$")


def registry_of(model: type[BaseModel]) -> dict[str, Domain]:
    """Path pattern -> domain of every numeric parameter of ``model``, from its field types."""
    return dict(_walk(model, ()))


#: Path pattern -> domain of every numeric scenario parameter (``units.*.size``: [0, 1e7]).
REGISTRY: dict[str, Domain] = registry_of(Scenario)
_MATCHERS = [(_pattern(p), d) for p, d in REGISTRY.items()]


def domain_of(path: str) -> Domain:
    """The domain of the parameter at a field path (``units.wave-1.size``).

    Raises
    ------
    KeyError
        When no numeric field of the scenario has that path.
    """
    for pattern, found in _MATCHERS:
        if pattern.match(path):
            return found
    raise KeyError(path)


def violation(
    values: Mapping[str, np.ndarray], upper: Mapping[str, float] | None = None, row: str = "row"
) -> str | None:
    """The first per-``row`` value outside its domain, or pair of shares of one whole summing
    past 1, as a one-line message (None when every value is allowed).

    Parameters
    ----------
    values : mapping of str to array
        Per-row values by parameter path.
    upper : mapping of str to float, optional
        The largest value of parameters not in ``values`` (paired shares drawn elsewhere).
    row : str
        What a row is called in the message (``row``, ``replication``, ``point``).
    """
    for path, x in values.items():
        d = domain_of(path)
        x = np.asarray(x, dtype=float)
        bad = np.flatnonzero(~((x >= d.low) & (x <= d.high)))  # written so that NaN is outside
        if bad.size:
            return f"{path}: value {x[bad[0]]:g} outside {d} ({row} {bad[0]})"
    upper = upper or {}
    rows = len(next(iter(values.values()), ()))
    for pair in SHARES_OF_ONE_WHOLE:
        if not any(p in values for p in pair):
            continue
        a, b = (np.broadcast_to(np.asarray(values.get(p, upper.get(p, 0.0)), dtype=float), (rows,)) for p in pair)
        bad = np.flatnonzero(a + b > 1 + SUM_TOLERANCE)
        if bad.size:
            i = bad[0]
            return f"{pair[0]} + {pair[1]} must not exceed 1 (got {a[i]:g} + {b[i]:g} at {row} {i})"
    return None


def check_values(values: Mapping[str, np.ndarray], upper: Mapping[str, float] | None = None, row: str = "row") -> None:
    """Raise :class:`DomainError` with :func:`violation`'s message, if any."""
    problem = violation(values, upper, row)
    if problem is not None:
        raise DomainError(problem)


def upper_ends(params: Mapping[str, Param]) -> dict[str, float]:
    """The largest value each parameter's draws can take on its domain."""
    return {path: p.support(*domain_of(path)[:2])[1] for path, p in params.items()}


def value_text(path: str, x: float | None, start: dt.date) -> str:
    """A parameter's value in words: a date for a day, days for a duration, a percentage for a
    share or daily rate, a whole number for a count."""
    if x is None or not math.isfinite(x):
        return ""
    key = path.rsplit(".", 1)[-1]
    if key in (*DAY_KEYS, "leave"):
        return (start + dt.timedelta(days=round(x))).isoformat()
    if key in ("days", "delay_days", "serves_days") or "_days." in path:
        return f"{x:.1f} days"
    low, high, integer = domain_of(path)
    if key == "per_day":
        return f"{x:,.1f}"
    if integer or high > 1000:
        return f"{x:,.0f}"
    if (low, high) == (0.0, 1.0):
        return f"{100 * x:.3g}%" if x < 0.01 else f"{100 * x:.1f}%"
    return f"{x:.4g}"


def parameter_unit(path: str) -> str:
    """The unit of a parameter's value, as ``runs.parquet`` stores it and sweep charts name it
    (days after the start for a drawn date, as :func:`value_text` reads it)."""
    key = path.rsplit(".", 1)[-1]
    if key in (*DAY_KEYS, "leave"):
        return "days after start"
    if key in ("days", "delay_days", "serves_days") or "_days." in path:
        return "days"
    if key == "per_30_days":
        return "per 30 days"
    low, high, integer = domain_of(path)
    if key == "per_day":
        return "people a day"
    if integer or high > 1000:
        return "people"
    if (low, high) == (0.0, 1.0):
        return "probability per person a day" if key.endswith("rate") else "share, 0 to 1"
    return "factor" if key in ("times", "trend") else "number"


def param_label(path: str) -> str:
    """A parameter named on a chart's axis: its path and its unit
    (``postures.combat.daily_rate (probability per person a day)``); the path alone when it
    names no field with a domain."""
    try:
        return f"{path} ({parameter_unit(path)})"
    except KeyError:
        return path
