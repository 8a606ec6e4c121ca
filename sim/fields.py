"""The types the fields of every input file are written in: numbers with a domain, names, dates,
delays, and :class:`Strict`, the base of every file section.

A numeric parameter's type carries its domain (``Share``: 0 to 1, ``Count``: 0 to
10,000,000, ...), so that a value or distribution outside it is refused where the file is read;
:mod:`sim.domains` reads the same declarations for everything else.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from .params import Param, ParamError

MAX_REPS = 1_000_000
MAX_DAYS = 20 * 366
MAX_SIZE = 10_000_000
#: Dates a file may give: inside what pandas timestamps and the charts hold (years 1677 to
#: 2262), with room after the last for a run or a claim of MAX_DAYS.
DATE_MIN = dt.date(1700, 1, 1)
DATE_MAX = dt.date(2200, 12, 31)


# -- typed parameters -------------------------------------------------------------------------


def _param(low: float, high: float):
    def parse(value: Any) -> Param:
        try:
            p = Param.parse(value)
            p.check_domain(low, high)
        except ParamError as exc:
            raise ValueError(str(exc)) from None
        return p

    return Annotated[Param, BeforeValidator(parse), PlainSerializer(lambda p: p.to_yaml(), return_type=Any)]


Share = _param(0.0, 1.0)  # a fraction of people, 0..1
DailyRate = _param(0.0, 1.0)  # a per-person daily probability
Count = _param(0.0, MAX_SIZE)  # a number of people
PositiveDays = _param(1.0, MAX_DAYS)
Days = _param(0.0, MAX_DAYS)
Dispersion = _param(0.01, 1e6)  # the shape k of a negative binomial
Multiple = _param(0.0, 1000.0)  # one quantity as a multiple of another
Trend = _param(0.001, 1000.0)  # a factor per 30 days
Variation = _param(0.0, 10.0)  # a coefficient of variation
PerMonth = _param(0.0, 30.0)  # expected events per 30 days (at most one a day)
Coefficient = _param(0.0, 1000.0)  # a Lanchester attrition coefficient
Exponent = _param(0.0, 2.0)  # an exponent of a force's strength in a Lanchester law


def _key_hint(key: Any, allowed: list[str]) -> str:
    """Why a key may be unknown: a number written with a thousands separator inside ``{...}``
    (``size: 6,000`` reads as ``size: 6`` and a key ``000``), a former name, or a misspelling."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return " (a number written with a comma, 6,000, reads as two entries: write 6000)"
    if key == "seed" and "file" in allowed:
        # Sources once named their article file `seed`, a word kept for the random seed.
        return " (the source article's file name is now 'file')"
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Strict(BaseModel):
    """Base for all file sections: frozen, and unknown keys refused with the allowed names."""

    # Each field's meaning is the docstring under it (docs/make_reference.py builds docs/reference.md from them).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = sorted(f.alias or n for n, f in cls.model_fields.items())
            for key in data:
                if key not in allowed:
                    raise ValueError(f"unknown key {key!r}; allowed: {', '.join(allowed)}{_key_hint(key, allowed)}")
        return data


Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-/ ]+$")]


def _date_in_range(d: dt.date) -> dt.date:
    if not DATE_MIN <= d <= DATE_MAX:
        raise ValueError(f"must be a date between {DATE_MIN} and {DATE_MAX} (got {d})")
    return d


#: A calendar date (YYYY-MM-DD) between DATE_MIN and DATE_MAX.
Date = Annotated[dt.date, AfterValidator(_date_in_range)]
#: A number that is not infinite or NaN (a NaN compares false with everything).
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Delay(Strict):
    """A delay in days: at least ``min`` days, then a geometric wait, ``mean`` days in all.

    ``min`` equal to ``mean`` gives a fixed delay (and costs no random draws); ``min: 0`` a
    purely geometric one.  A plain number ``n`` is short for a fixed delay of ``n`` days.
    """

    mean: PositiveDays
    """The average delay in days, `min` included (1 or more)."""
    min: int = Field(0, ge=0, le=MAX_DAYS)
    """Days everyone waits for certain (a whole number, at most the smallest `mean`); after them, each
    day a fixed chance of leaving (a geometric wait) makes the delays average `mean`. `min` equal to
    `mean` gives a fixed delay. Nobody leaves on the day they come in, so `min: 0` acts as 1."""

    @model_validator(mode="before")
    @classmethod
    def _fixed_shorthand(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            if data != int(data):
                raise ValueError("a fixed delay is a whole number of days")
            return {"mean": data, "min": int(data)}
        return data

    @model_validator(mode="after")
    def _min_below_mean(self) -> Delay:
        if self.min > self.mean.support(1.0, MAX_DAYS)[0] + 1e-9:
            raise ValueError(f"min ({self.min}) must not exceed the smallest mean ({self.mean.describe()})")
        return self
