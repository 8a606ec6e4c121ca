"""Conditions on the daily measures, and claims as testable data.

A :class:`Condition` compares a measure with a value (times a reference measure when given):
thresholds and policies are conditions, and a claim's test is a threshold or a condition of its
own, crossed by a date or holding on one.  Which measures exist is the scenario's
(:data:`sim.scenario.MEASURES` and its own ``measures``); the rules checking names against them
are in :mod:`sim.rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from .fields import MAX_DAYS, Date, Finite, Name, Strict

if TYPE_CHECKING:
    from .scenario import Scenario

Comparison = Literal["below", "at_most", "above", "at_least", "between"]
COMPARISONS = ("below", "at_most", "above", "at_least", "between")


class ComparisonFields(Strict):
    """The comparison part of a condition: one of the comparisons, and an optional reference
    measure ``of`` that the value multiplies."""

    below: Finite | None = None
    """Holds when the measure is below this value (strictly less), times `of` when given."""
    at_most: Finite | None = None
    """Holds when the measure is at most this value (less or equal), times `of` when given."""
    above: Finite | None = None
    """Holds when the measure is above this value (strictly greater), times `of` when given."""
    at_least: Finite | None = None
    """Holds when the measure is at least this value (greater or equal), times `of` when given."""
    between: tuple[Finite, Finite] | None = None
    """`[low, high]`: holds when the measure lies between them, both ends included (each times `of`
    when given)."""
    of: str | None = None
    """A reference that the value multiplies: a measure of the same day (`deployed`, `arrived`, ...,
    or one defined under `measures`) or `peak_<measure>`, that measure's highest value so far.
    `{measure: effective, below: 0.5, of: peak_effective}` holds when fewer than half the most ever
    on duty are left. Absent: the value is a number of people."""


class Condition(ComparisonFields):
    """``measure`` compared with ``value`` (times the reference measure ``of`` when given)."""

    measure: str
    """The daily measure compared: `arrived`, `deployed` (arrived less rotated out), `effective` (on
    duty), `wounded_in_care`, `sick_in_care`, `killed`, `wounded`, `missing`, `casualties` (killed,
    wounded and missing), `died_of_wounds`, `evacuated`, `permanent_losses` (killed, died of
    wounds, evacuated and missing), `returned_to_duty` or `rotated_out`; all counts of people,
    cumulative except `deployed`, `effective` and those in care; or a measure defined under
    `measures`. Give exactly one comparison."""

    @model_validator(mode="after")
    def _one_comparison(self) -> Condition:
        given = [c for c in COMPARISONS if getattr(self, c) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(COMPARISONS)}")
        if self.between is not None and not self.between[0] <= self.between[1]:
            raise ValueError("between needs [low, high] with low <= high")
        return self

    @property
    def comparison(self) -> Comparison:
        for c in COMPARISONS:
            if getattr(self, c) is not None:
                return c  # type: ignore[return-value]
        raise AssertionError

    @property
    def value(self) -> float | tuple[float, float]:
        v = getattr(self, self.comparison)
        return (float(v[0]), float(v[1])) if self.comparison == "between" else float(v)


class Source(Strict):
    """Who said something, where and when."""

    who: str = Field(min_length=1)
    """Who made the claim: a person or an organisation."""
    date: Date | None = None
    """When they made it. A test with `within_days` and no `from` counts from this day."""
    outlet: str | None = None
    """Where the claim was published or reported."""
    file: str | None = None
    """The source article's file name (`000_d5a8303e657b57dc.txt`)."""
    url: str | None = None
    """The web address of the source."""


class ClaimTest(ComparisonFields):
    """When a claim holds: a condition (a named threshold, or a measure compared with a
    value) crossed by a date (``by``, or ``within_days`` of ``from``), or holding on a date
    (``on``)."""

    threshold: Name | None = None
    """A threshold (a name under `thresholds`) whose crossing the claim predicts. Give this, or a
    `measure` with one comparison, not both."""
    measure: str | None = None
    """A measure compared as in a threshold, with exactly one of `below`, `at_most`, `above`,
    `at_least`, `between`, and optionally `of`."""
    by: Date | None = None
    """The claim holds in a replication if the condition is first crossed on or before this day
    (between `start` and `end`). Give one of `by`, `within_days`, `on`."""
    within_days: int | None = Field(None, ge=0, le=MAX_DAYS)
    """The claim holds in a replication if the condition is first crossed within this many days
    of `from` (else of the source's `date`, else of `start`); that deadline must fall inside the
    run."""
    from_: Date | None = Field(None, alias="from")
    """With `within_days`: the day the days count from, between `start` and `end`."""
    on: Date | None = None
    """The claim holds in a replication if the measure's condition is true on this day, between
    `start` and `end` (a state on a date, not a crossing; takes a `measure`, not a threshold)."""

    @model_validator(mode="after")
    def _shape(self) -> ClaimTest:
        if (self.threshold is None) == (self.measure is None):
            raise ValueError("give a threshold name or a measure with a comparison, not both")
        if self.threshold is not None and any(getattr(self, c) is not None for c in (*COMPARISONS, "of")):
            raise ValueError("a threshold test takes no comparison of its own")
        whens = [k for k in ("by", "within_days", "on") if getattr(self, k) is not None]
        if len(whens) != 1:
            raise ValueError("give exactly one of by, within_days, on")
        if self.from_ is not None and self.within_days is None:
            raise ValueError("from goes with within_days")
        if self.on is not None and self.threshold is not None:
            raise ValueError("on (a state on a date) takes a measure and comparison, not a threshold")
        return self

    def condition(self) -> Condition:
        """The inline condition (for a measure test)."""
        keys = ("measure", *COMPARISONS, "of")
        return Condition.model_validate({k: getattr(self, k) for k in keys if getattr(self, k) is not None})


class Claim(Strict):
    """A claim from a source, as testable data."""

    id: Name
    """The claim's identifier, unique in the scenario; tables and sweep outputs (`p_holds:<id>`)
    name the claim by it."""
    says: str = Field(min_length=1)
    """What the claim says, in words (a paraphrase)."""
    source: Source
    """Who said it, when and where."""
    holds_if: ClaimTest
    """The test deciding, in each replication, whether the claim holds; its probability is the
    share of replications in which it does."""
    assumptions: str = ""  # whose assumptions this scenario encodes, in words
    """Whose assumptions this scenario encodes, in words."""


def deadline(claim: Claim, s: Scenario) -> dt.date:
    """The date by (or on) which the claim's condition is tested."""
    t = claim.holds_if
    if t.on is not None:
        return t.on
    if t.by is not None:
        return t.by
    origin = t.from_ or claim.source.date or s.start
    return origin + dt.timedelta(days=t.within_days or 0)
