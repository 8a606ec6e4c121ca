"""Dates that may be uncertain: a date, a distribution over dates, or a number of days after
another event.

A scenario's arrival and phase dates are :class:`When` values:

- ``2025-02-07``: that day in every replication;
- ``{uniform: [2025-01-25, 2025-02-10]}``: each day from the first to the last, both included,
  equally likely; ``{triangular: [2025-01-25, 2025-02-01, 2025-02-10]}``: most likely the middle
  date, never outside the ends;
- ``{after: pullback, days: {triangular: [7, 14, 28]}}``: that many days after the event called
  ``pullback`` (a unit's arrival or a named phase's start) in the same replication; ``days`` is
  a number, a uniform or a triangular (:mod:`sim.params`; a normal or lognormal has no last day).

Each replication draws its own day.  An uncertain date is a parameter like any other, in days:
``phases.2.from`` counts days from the scenario's start, ``phases.2.from.days`` the days after
the event (so ``--set``, sweeps and calibration can use them).  A drawn day is the draw rounded
to a whole day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from .params import Param, ParamError

MAX_OFFSET = 20 * 366  # days a relative date may lie after its event


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; write dates as YYYY-MM-DD")


@dataclass(frozen=True)
class When:
    """A date (``fixed``), a distribution over dates (``kind`` ``uniform`` or ``triangular``
    over ``dates``), or ``days`` after the event ``after``."""

    kind: str  # "fixed", "uniform", "triangular" or "after"
    dates: tuple[dt.date, ...] = ()
    after: str | None = None
    days: Param | None = None

    @classmethod
    def parse(cls, value: Any) -> When:
        """Read a file's value; raises ``ValueError`` with the rule broken."""
        if isinstance(value, When):
            return value
        if not isinstance(value, dict):
            return cls("fixed", (_date(value),))
        if set(value) == {"after", "days"}:
            name = value["after"]
            if not isinstance(name, str) or not name:
                raise ValueError("after: give the name of a unit or of a named phase")
            try:
                days = Param.parse(value["days"])
                days.check_domain(0.0, MAX_OFFSET)
            except ParamError as exc:
                raise ValueError(f"days: {exc}") from None
            if days.is_unbounded:
                raise ValueError("days: give a number, a uniform or a triangular (a date needs a last possible day)")
            return cls("after", after=name, days=days)
        if len(value) == 1 and next(iter(value)) in ("uniform", "triangular"):
            kind, args = next(iter(value.items()))
            want = 2 if kind == "uniform" else 3
            if not isinstance(args, list | tuple) or len(args) != want:
                raise ValueError(f"{kind} takes a list of {want} dates")
            dates = tuple(_date(a) for a in args)
            if list(dates) != sorted(dates) or dates[0] == dates[-1]:
                raise ValueError(f"{kind}: the dates must be in order, the first before the last")
            return cls(kind, dates)
        raise ValueError(
            "a date is YYYY-MM-DD, {uniform: [first, last]}, {triangular: [first, likeliest, last]} "
            "or {after: <event>, days: <days>}"
        )

    def to_yaml(self) -> Any:
        if self.kind == "fixed":
            return self.dates[0]
        if self.kind == "after":
            return {"after": self.after, "days": self.days.to_yaml()}
        return {self.kind: list(self.dates)}

    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    @property
    def nominal(self) -> dt.date | None:
        """The date itself, the likeliest date of a triangular, the first of a uniform; None for
        a relative date."""
        if self.kind == "after":
            return None
        return self.dates[1] if self.kind == "triangular" else self.dates[0]

    def offsets(self, start: dt.date) -> Param | None:
        """The distribution of the day index (days after ``start``), drawn as a real number and
        rounded: None for a fixed or a relative date."""
        if self.kind not in ("uniform", "triangular"):
            return None
        days = [(d - start).days for d in self.dates]
        lo, hi = days[0] - 0.5, days[-1] + 0.5  # each end day as likely as an inner one (uniform)
        if self.kind == "uniform":
            return Param("uniform", (lo, hi))
        return Param("triangular", (lo, float(days[1]), hi))

    def day_range(self, start: dt.date, known: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
        """Earliest and latest day index, given those of the events already known (None when
        the event referred to is not among them)."""
        if self.kind == "fixed":
            d = (self.dates[0] - start).days
            return d, d
        if self.kind == "after":
            if self.after not in known:
                return None
            lo, hi = known[self.after]
            a, b = self.days.support(0.0, MAX_OFFSET)
            return lo + round(a), hi + round(b)
        return (self.dates[0] - start).days, (self.dates[-1] - start).days


def _parse(value: Any) -> When:
    return When.parse(value)


#: A field holding a :class:`When` (read from a file's value, written back as one).
WhenField = Annotated[When, BeforeValidator(_parse), PlainSerializer(lambda w: w.to_yaml(), return_type=Any)]


#: The last part of the path of a date that may be uncertain (as a parameter: a day index).
DAY_KEYS = ("arrive", "from")


def days_as_dates(p: Param, start: dt.date) -> Any:
    """A day-index parameter's range as a file's date value (for checking a swept range)."""
    lo, hi = (round(x) for x in p.support(0.0, MAX_OFFSET))
    first, last = start + dt.timedelta(days=lo), start + dt.timedelta(days=hi)
    return first if lo == hi else {"uniform": [first, last]}
