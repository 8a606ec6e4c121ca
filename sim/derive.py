"""Parameters derived from reported figures: "3,800 casualties since 6 December" -> a daily rate.

Any number in a scenario file may be written as a derivation from the scenario's estimates
file (``estimates:``, relative to the scenario file)::

    size:       {derive: {figure: fdd-10000-to-12000}}                    # the figure itself
    per_day:    {derive: {figure: nis-casualties-mid-january, since: 2024-12-01}}
    daily_rate: {derive: {figure: nis-casualties-mid-january, since: 2024-12-01,
                          strength: fdd-10000-to-12000}}

``since`` is the day the count started from; the count is taken to stand on the figure's date
(or on ``until`` when given, e.g. the day an analyst did the sum).  A figure given as a
low/high range, a figure dated by a range of days, or a strength given as a range, makes the
result a uniform distribution between the smallest and the largest rate they imply.

The derivations are resolved on the raw data, before validation, so the validated scenario
holds plain numbers and distributions like any other (see :func:`resolve_derivations`).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path
from typing import Any

from .errors import InputError
from .estimates import Estimate, Estimates, estimates_for
from .fields import DATE_MAX, DATE_MIN
from .rates import probability_from_rate
from .yamlfile import line_of

DERIVE_KEYS = ("figure", "since", "until", "strength")

Range = tuple[float, float]


class DeriveError(ValueError):
    """A derivation that cannot be made; ``field`` is the part of it at fault."""

    def __init__(self, field: str, rule: str):
        self.field, self.rule = field, rule
        super().__init__(f"{field}: {rule}")


def figure_range(e: Estimate) -> Range:
    """The reported count as ``(low, high)`` (a single value gives ``(value, value)``).

    Raises
    ------
    DeriveError
        For an event without a figure, or a lower bound ("more than ...").
    """
    if e.lower_bound:
        raise DeriveError(
            "figure",
            f"estimate {e.id!r} is a lower bound (more than {e.value:g}); "
            "a derivation needs a value or a low/high range",
        )
    if e.low is not None and e.high is not None:
        return e.low, e.high
    if e.value is None:
        raise DeriveError("figure", f"estimate {e.id!r} ({e.kind}) has no figure to derive from")
    return e.value, e.value


def days_range(e: Estimate, since: dt.date, until: dt.date | None = None) -> tuple[int, int]:
    """Days from ``since`` to the day the count stood: ``until``, or the figure's date(s).

    Raises
    ------
    DeriveError
        When ``since`` is not before the figure's date (or ``until``), or ``until`` is before
        the figure's date.
    """
    if until is not None:
        if until < e.first_date:
            raise DeriveError("until", f"{until} is before the date of estimate {e.id!r} ({e.first_date})")
        if since >= until:
            raise DeriveError("since", f"{since} must be before until ({until})")
        n = (until - since).days
        return n, n
    if since >= e.first_date:
        raise DeriveError("since", f"{since} must be before the date of estimate {e.id!r} ({e.first_date})")
    return (e.first_date - since).days, (e.last_date - since).days


def per_day(count: Range, days: tuple[int, int]) -> Range:
    """Casualties a day implied by ``count`` over ``days``: ``count / days``.

    The smallest rate is the lowest count over the most days, the largest the highest count
    over the fewest.

    >>> per_day((3000, 3000), (40, 40))
    (75.0, 75.0)
    """
    return count[0] / days[1], count[1] / days[0]


def daily_rate(count: Range, strength: Range, days: tuple[int, int]) -> Range:
    """Per-person daily rate implied by ``count`` casualties out of ``strength`` in ``days``.

    Under exponential decay of an unreplenished force, ``N(t) = N0 * exp(-r t)``, so the
    hazard that removes ``C`` of ``N0`` people in ``T`` days is::

        r = -ln(1 - C / N0) / T

    A scenario's ``daily_rate`` is the matching daily probability of loss, ``1 - exp(-r)``
    (converted by :func:`sim.rates.probability_from_rate`), which removes exactly the share
    ``C / N0`` in ``T`` days.  The smallest rate takes the lowest count, the largest strength
    and the most days; the largest rate the opposite.

    Raises
    ------
    DeriveError
        When the count is not smaller than the strength (the rate would be infinite).
    """
    if count[1] >= strength[0]:
        raise DeriveError(
            "strength",
            f"casualties ({count[1]:,.0f}) must be fewer than the strength they come from ({strength[0]:,.0f})",
        )

    def rate(c: float, n: float, t: int) -> float:
        hazard = -math.log1p(-c / n) / t
        return float(probability_from_rate(hazard))

    return rate(count[0], strength[1], days[1]), rate(count[1], strength[0], days[0])


def as_param(r: Range) -> float | dict[str, list[float]]:
    """A fixed number when the range is a point, else ``{uniform: [low, high]}``."""
    lo, hi = r
    if math.isclose(lo, hi, rel_tol=1e-12, abs_tol=0.0):
        return lo
    return {"uniform": [lo, hi]}


def _date(value: Any, key: str) -> dt.date:
    d = None
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    elif isinstance(value, str):
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if d is None:
        raise DeriveError(key, f"must be a date (YYYY-MM-DD), got {value!r}")
    if not DATE_MIN <= d <= DATE_MAX:
        raise DeriveError(key, f"must be a date between {DATE_MIN} and {DATE_MAX} (got {d})")
    return d


def _estimate(est: Estimates, ident: Any, key: str) -> Estimate:
    if not isinstance(ident, str):
        raise DeriveError(key, f"must be an estimate id, got {ident!r}")
    try:
        return est.get(ident)
    except KeyError:
        raise DeriveError(key, f"no estimate with id {ident!r} in the estimates file ({est.case})") from None


def _strength(est: Estimates, value: Any) -> Range:
    if isinstance(value, bool):
        raise DeriveError("strength", "must be a number of people or an estimate id")
    if isinstance(value, int | float):
        if not value > 0 or not math.isfinite(value):
            raise DeriveError("strength", f"must be a positive number of people, got {value!r}")
        return float(value), float(value)
    try:
        return figure_range(_estimate(est, value, "strength"))
    except DeriveError as exc:
        raise DeriveError("strength", exc.rule) from None


def derive(spec: Any, est: Estimates, field_name: str) -> float | dict[str, list[float]]:
    """The parameter a ``derive:`` mapping stands for, in file syntax.

    Parameters
    ----------
    spec : dict
        ``figure`` (an estimate id), and optionally ``since`` and ``until`` (dates) and
        ``strength`` (a number or an estimate id).
    est : Estimates
        The scenario's estimates.
    field_name : str
        The key the derivation stands under: ``daily_rate`` asks for a per-person rate (and
        needs ``strength``); any other key for the figure itself or, with ``since``, a count
        a day.

    Raises
    ------
    DeriveError
        Naming the key at fault and the rule.
    """
    if not isinstance(spec, dict):
        raise DeriveError("", "must be a mapping with figure (an estimate id) and optionally since, until and strength")
    unknown = [k for k in spec if k not in DERIVE_KEYS]
    if unknown:
        raise DeriveError(str(unknown[0]), f"unknown key; allowed: {', '.join(DERIVE_KEYS)}")
    if "figure" not in spec:
        raise DeriveError("figure", "is required (the id of a reported figure)")
    figure = _estimate(est, spec["figure"], "figure")
    count = figure_range(figure)
    wants_rate = field_name == "daily_rate"
    if "strength" in spec and not wants_rate:
        raise DeriveError("strength", "gives a per-person rate; use it under daily_rate only")
    if "since" not in spec:
        if "until" in spec:
            raise DeriveError("until", "goes with since")
        if wants_rate:
            raise DeriveError("since", "a daily_rate needs since (the day the count started from)")
        return as_param(count)
    since = _date(spec["since"], "since")
    until = _date(spec["until"], "until") if "until" in spec else None
    days = days_range(figure, since, until)
    if not wants_rate:
        return as_param(per_day(count, days))
    if "strength" not in spec:
        raise DeriveError("strength", "a daily_rate needs strength (the number exposed: a number or an estimate id)")
    return as_param(daily_rate(count, _strength(est, spec["strength"]), days))


def resolve_derivations(
    data: dict[str, Any], path: str | Path, lines: dict[tuple[str, ...], int] | None = None
) -> dict[str, Any]:
    """Replace every ``{derive: {...}}`` in raw scenario data by the number it stands for.

    Parameters
    ----------
    data : dict
        The scenario as read from YAML (after overrides, before validation).
    path : str or Path
        The scenario file; its ``estimates:`` file is found relative to it.
    lines : dict, optional
        Field path -> line number, for error messages.

    Returns
    -------
    dict
        A copy of ``data`` without derivations (``data`` itself when it has none).

    Raises
    ------
    InputError
        One line naming the scenario file, the field path (``postures.combat.per_day.derive.since``)
        and the rule.
    """
    first = _first_derive(data)
    if first is None:
        return data
    src, lines = str(path), lines or {}

    def fail(parts: tuple[str, ...], rule: str) -> InputError:
        return InputError(src, ".".join(parts), rule, line_of(lines, *parts))

    name = data.get("estimates")
    if not name:
        raise fail(
            (*first, "derive"), "needs the scenario's reported estimates: add estimates: <file> at the top level"
        )
    if not isinstance(name, str):
        raise fail(("estimates",), "must be the path of an estimates file")
    est = estimates_for(path, name, line_of(lines, "estimates"))
    assert est is not None

    def walk(node: Any, parts: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            if "derive" in node:
                if len(node) != 1:
                    raise fail((*parts, "derive"), "a derivation stands alone (no other keys beside derive)")
                try:
                    return derive(node["derive"], est, parts[-1] if parts else "")
                except DeriveError as exc:
                    where = (*parts, "derive", *([exc.field] if exc.field else []))
                    raise fail(where, exc.rule) from None
            return {k: walk(v, (*parts, str(k))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*parts, str(i))) for i, v in enumerate(node)]
        return node

    return walk(copy.deepcopy(data), ())


def _first_derive(node: Any, parts: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Field path of the first derivation in ``node`` (None: there is none)."""
    if isinstance(node, dict):
        if "derive" in node:
            return parts
        items = [(str(k), v) for k, v in node.items()]
    elif isinstance(node, list):
        items = [(str(i), v) for i, v in enumerate(node)]
    else:
        return None
    for key, value in items:
        found = _first_derive(value, (*parts, key))
        if found is not None:
            return found
    return None
