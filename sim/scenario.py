"""The scenario file: schema and cross-field rules (YAML reading is in :mod:`sim.yamlfile`,
loading a file in :mod:`sim.loading`).

A scenario is read from YAML, checked field by field (unknown keys refused with the allowed
names), then checked across fields (shares sum to 1, dates in order, names refer to things
that exist), and returned as one frozen :class:`Scenario`.  Every error is a
:class:`InputError` whose one-line message names the file, the field path, the rule and,
where known, the line.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from .params import Param, ParamError
from .yamlfile import (  # noqa: F401  (re-exported: the scenario's errors and file reading)
    InputError,
    Loader,
    apply_overrides,
    line_of,
    load_yaml_text,
    read_yaml,
    set_path,
    validation_error,
)

MAX_REPS = 1_000_000
MAX_DAYS = 20 * 366
MAX_SIZE = 10_000_000
#: Dates a file may give: inside what pandas timestamps and the charts hold (years 1677 to
#: 2262), with room after the last for a run or a claim of MAX_DAYS.
DATE_MIN = dt.date(1700, 1, 1)
DATE_MAX = dt.date(2200, 12, 31)

#: Measures recorded every day for every replication (see ``sim.engine``).
MEASURES = (
    "arrived",
    "deployed",
    "effective",
    "wounded_in_care",
    "sick_in_care",
    "killed",
    "wounded",
    "missing",
    "casualties",
    "died_of_wounds",
    "evacuated",
    "permanent_losses",
    "returned_to_duty",
    "rotated_out",
)


# -- typed parameters -------------------------------------------------------------------------


def _param(low: float, high: float, integer: bool = False):
    def parse(value: Any) -> Param:
        try:
            p = Param.parse(value)
            p.check_domain(low, high)
        except ParamError as exc:
            raise ValueError(str(exc)) from None
        return p

    return Annotated[
        Param, BeforeValidator(parse), PlainSerializer(lambda p: p.to_yaml(), return_type=Any)
    ]


Share = _param(0.0, 1.0)  # a fraction of people, 0..1
DailyRate = _param(0.0, 1.0)  # a per-person daily probability
Count = _param(0.0, MAX_SIZE)  # a number of people
Days = _param(0.0, MAX_DAYS)  # a duration in days
PositiveDays = _param(1.0, MAX_DAYS)


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
                    # Sources once named their article file `seed`, a word kept for the random seed.
                    renamed = key == "seed" and "file" in allowed
                    hint = " (the source article's file name is now 'file')" if renamed else ""
                    raise ValueError(f"unknown key {key!r}; allowed: {', '.join(allowed)}{hint}")
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


class Unit(Strict):
    """A body of troops arriving on one date (a wave, a brigade, a reinforcement)."""

    name: Name
    """The unit's name: letters, digits, spaces and `_ . - /`, at most 80 characters, unique among
    units, reinforcements and policies. Phases and rotations refer to the unit by it, and so do
    field paths (`--set units.<name>.size=...`, `reinforcements.<name>.size`)."""
    arrive: Date
    """The day the unit arrives and goes on duty, between `start` and `end`."""
    size: Count
    """People in the unit when it arrives (a whole number: each replication rounds its draw). A
    reinforcement is taken from `reserve` when one is given: fewer people, or none, come when the
    reserve runs short."""


class Phase(Strict):
    """From this date on, the named units (all when ``units`` is absent) are in ``posture``."""

    from_: Date = Field(alias="from")
    """The first day of the phase, between `start` and `end`. A unit stays in the posture until a
    later phase that applies to it."""
    posture: Name
    """The posture (a name under `postures`) the units are in from this day on."""
    units: list[Name] | None = None
    """The units the phase applies to: names from `units`, `reinforcements` or `policy` (a policy's
    name stands for the reinforcements it sends). A phase naming a rotated unit applies to its
    replacements too. Absent: every unit. Of two phases starting on the same day, one naming units
    wins over one for all, and otherwise the later in the file wins."""


class Posture(Strict):
    """Loss behaviour while on duty in one posture.

    Give ``per_day`` (casualties a day across everyone in the posture, the straight-line
    extrapolation) or ``daily_rate`` (per-person daily probability, exponential decay), or
    neither for no combat losses.
    """

    per_day: Count | None = None
    """Combat casualties a day (people a day) among everyone on duty in this posture, all its units
    together, however many they are: the straight-line extrapolation of a reported count. Each day's
    count is drawn as `noise` says, is at most the number on duty there, and is shared among the
    units by a draw without replacement. Give this or `daily_rate`, not both; neither means no
    combat losses."""
    daily_rate: DailyRate | None = None
    """Per-person daily probability of becoming a combat casualty: each person on duty in this
    posture is hit on a given day with this probability (a binomial draw), so the force decays
    exponentially. Give this or `per_day`, not both."""
    noise: Literal["poisson", "negative_binomial", "none"] = "poisson"
    """How a `per_day` count varies from day to day: `poisson` (a Poisson draw of mean `per_day`),
    `negative_binomial` (burstier: mean `per_day`, variance `per_day + per_day²/dispersion`; needs
    `dispersion`) or `none` (exactly `per_day` a day, a fraction carried over to the next day).
    Ignored with `daily_rate`."""
    dispersion: _param(0.01, 1e6) | None = None  # type: ignore[valid-type]
    """The shape k of the negative binomial (`noise: negative_binomial` only; ignored otherwise):
    the smaller k, the more the losses come in bursts of heavy days (variance
    `per_day + per_day²/k`); a large k is close to Poisson."""

    @model_validator(mode="after")
    def _one_law(self) -> Posture:
        if self.per_day is not None and self.daily_rate is not None:
            raise ValueError("give per_day or daily_rate, not both")
        if self.noise == "negative_binomial" and self.dispersion is None:
            raise ValueError("noise: negative_binomial needs a dispersion (k > 0)")
        return self

    @property
    def law(self) -> str:
        if self.per_day is not None:
            return "per_day"
        return "rate" if self.daily_rate is not None else "none"


class Casualties(Strict):
    """How casualties split; ``wounded`` defaults to the rest."""

    killed: Share = Param("fixed", (0.1,))
    """Share of combat casualties killed (share 0-1)."""
    missing: Share = Param("fixed", (0.0,))
    """Share of combat casualties missing or captured (share 0-1 of all casualties);
    `killed + missing` must not exceed 1."""
    wounded: Share | None = None
    """Share of combat casualties wounded (share 0-1). Absent: the rest, `1 - killed - missing`.
    When given, the three shares must be plain numbers that sum to 1."""


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


class Wounded(Strict):
    """The flow of the wounded: a share returns to duty, a share dies, the rest goes home."""

    return_to_duty: Share = Param("fixed", (0.0,))
    """Share of the wounded who return to duty after `recovery_days` (share 0-1). They rejoin the
    unit then on duty with the most people (or go home, counted as rotated out, when no unit is
    left)."""
    recovery_days: Delay = Delay(mean=Param("fixed", (21.0,)))
    """Days in care before the wounded who return rejoin."""
    died_of_wounds: Share = Param("fixed", (0.0,))
    """Share of the wounded who die of their wounds (share 0-1 of all the wounded).
    `return_to_duty + died_of_wounds` must not exceed 1; the rest are evacuated home, a permanent
    loss."""
    died_of_wounds_days: Delay | None = None  # None: on the day of wounding
    """Days from wounding to death for those who die of wounds; until then they count as wounded in
    care. Absent: they die on the day they are wounded."""
    evacuation_days: Delay | None = None  # None: on the day of wounding
    """Days from wounding to evacuation home for the wounded who neither return nor die; until then
    they count as wounded in care. Absent: they leave on the day they are wounded."""


class Disease(Strict):
    """Disease and non-battle injury: a daily rate on everyone on duty, with its own return."""

    daily_rate: DailyRate = Param("fixed", (0.0,))
    """Per-person daily probability of falling sick or being injured away from combat, for everyone
    on duty in any posture. The sick are not counted as casualties."""
    return_to_duty: Share = Param("fixed", (1.0,))
    """Share of the sick who return to duty after `recovery_days` (share 0-1); the rest are
    evacuated home on the day they fall sick, a permanent loss."""
    recovery_days: Delay = Delay(mean=Param("fixed", (10.0,)))
    """Days in care before the sick who return rejoin."""


class Rotation(Strict):
    """A unit leaves on ``leave`` (not a loss); a replacement arrives ``lead_days`` later.

    With ``every_days`` the rotation repeats (each replacement leaving in turn) until
    ``until`` or the scenario's end.
    """

    unit: Name
    """The unit that leaves: a name from `units` or `reinforcements`. Its replacements are named
    `<unit>/r1`, `<unit>/r2`, ... and phases naming the unit apply to them too."""
    leave: Date
    """The day the unit leaves, not before it arrives and not after `end`: everyone of it then on
    duty goes home, counted as rotated out (not a loss). Its wounded and sick in care stay in care,
    then rejoin whichever unit has the most people on duty."""
    lead_days: int = Field(0, ge=0, le=MAX_DAYS)
    """Days from the departure to the replacement's arrival (0: the same day). A replacement due
    after `end` does not come."""
    every_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    """Repeat the rotation: each replacement in turn leaves this many days after it arrives and is
    replaced in the same way. Absent: one rotation only."""
    until: Date | None = None
    """With `every_days`: the last day a departure may happen, not before `leave`. Absent: the
    scenario's end."""
    size: Count | None = None
    """People in each replacement. Absent: the same size as the unit it replaces, that is the value
    drawn for the unit's `size` in each replication (its strength on arrival, not what it has left).
    Replacements are taken from `reserve` when one is given."""


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
    """A reference that the value multiplies: a measure of the same day (`deployed`, `arrived`, ...)
    or `peak_<measure>`, that measure's highest value so far. `{measure: effective, below: 0.5, of:
    peak_effective}` holds when fewer than half the most ever on duty are left. Absent: the value
    is a number of people."""


class Condition(ComparisonFields):
    """``measure`` compared with ``value`` (times the reference measure ``of`` when given)."""

    measure: str
    """The daily measure compared: `arrived`, `deployed` (arrived less rotated out), `effective` (on
    duty), `wounded_in_care`, `sick_in_care`, `killed`, `wounded`, `missing`, `casualties` (killed,
    wounded and missing), `died_of_wounds`, `evacuated`, `permanent_losses` (killed, died of
    wounds, evacuated and missing), `returned_to_duty` or `rotated_out`; all counts of people,
    cumulative except `deployed`, `effective` and those in care. Give exactly one comparison."""

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


class Policy(Strict):
    """Policy-triggered reinforcement: when ``when`` holds, send ``send`` after ``delay_days``.

    Nothing is sent while an earlier dispatch is on its way; the reserve (if finite) limits
    the total.  The reinforcements follow the global phases.
    """

    name: Name
    """The policy's name, unique among units, reinforcements and policies. Phases may name it to put
    the reinforcements it sends in a posture (otherwise they follow the phases for all units), and
    `--set policy.<name>.send=...` sets `send`."""
    when: Condition
    """The condition that triggers a dispatch, checked at the end of every day after that day's
    losses, once someone has arrived."""
    send: Count
    """People sent by each dispatch, taken from `reserve` when one is given (fewer, or none, when it
    runs short)."""
    delay_days: int = Field(30, ge=0, le=MAX_DAYS)
    """Days from the day the condition holds to the reinforcement's arrival; 0 acts as 1 (the next
    day). A dispatch due after `end` never arrives."""
    max_times: int | None = Field(None, ge=1)
    """The most dispatches the policy makes in a run (a whole number, 1 or more). Absent: as many as
    the condition and the reserve allow, one at a time."""


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


class Scenario(Strict):
    """One validated scenario."""

    name: Name
    """The scenario's name: a label for tables, and the default output folder `out/<name>`."""
    description: str = ""
    """What the scenario assumes, in words."""
    start: Date
    """The first simulated day."""
    end: Date
    """The last simulated day, after `start`; a run spans at most 7,320 days, both ends included."""
    reps: int = Field(1000, ge=1, le=MAX_REPS)
    """Replications: how many times the scenario is run, each with its own random draws and
    parameter values (`--reps` overrides)."""
    seed: int = Field(1, ge=0, lt=2**63)
    """The random seed: the same seed gives the same numbers (`--seed` overrides)."""
    units: list[Unit] = Field(min_length=1)
    """The force: units arriving on their dates (at least one)."""
    reinforcements: list[Unit] = []
    """Units sent later, written like `units`; unlike them, each is taken from `reserve` when one is
    given."""
    initial_posture: Name | None = None
    """The posture every unit is in before the first phase that applies to it. Absent: the first
    posture under `postures`."""
    phases: list[Phase] = []
    """Dated changes of posture, for every unit or for named ones."""
    postures: dict[Name, Posture] = Field(min_length=1)
    """The postures by name (at least one), each with its loss law; `{}` is a posture without
    combat losses (training, rear)."""
    casualties: Casualties = Casualties()
    """How combat casualties split into killed, missing and wounded."""
    wounded: Wounded = Wounded()
    """What becomes of the wounded: return to duty, death of wounds, or evacuation home."""
    disease: Disease = Disease()
    """Disease and non-battle injury: a daily rate on everyone on duty, with its own return."""
    rotations: list[Rotation] = []
    """Units leaving (a rotation, not a loss) and replaced after a lead time, once or repeatedly."""
    policy: list[Policy] = []
    """Reinforcements sent whenever a condition holds (a policy), after a delay."""
    reserve: Count | None = None
    """People available to `reinforcements`, rotation replacements and `policy` dispatches, all
    together; each arrival takes what it can, and the reserve can run out. The first `units` do not
    draw on it. Absent: no limit."""
    thresholds: dict[Name, Condition] = {}
    """Named conditions whose first crossing is reported (its date per replication, and the
    probability of having crossed by each date). A condition is crossed on the first day it holds
    after a day it did not, so that `effective below 5000` is not crossed before anyone arrives."""
    claims: list[Claim] = []
    """Claims from sources, each with a test saying when it holds."""
    estimates: str | None = None  # a reported-estimates file, relative to this file
    """A reported-estimates file, its path relative to this file: its figures are drawn on the
    charts, fitted by `calibrate`, and can stand for numbers (`{derive: ...}`)."""

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def all_units(self) -> list[Unit]:
        return [*self.units, *self.reinforcements]

    @property
    def start_posture(self) -> str:
        return self.initial_posture or next(iter(self.postures))

    def dump(self) -> dict[str, Any]:
        """The scenario as plain data, in file syntax (round-trips through ``from_data``)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- cross-field rules ---------------------------------------------------------------------------


def _reference_ok(name: str) -> bool:
    return name in MEASURES or (name.startswith("peak_") and name[5:] in MEASURES)


def check_rules(s: Scenario) -> list[tuple[str, str]]:
    """Rules that span fields.  Returns ``(field path, rule)`` pairs, empty when all hold."""
    errs: list[tuple[str, str]] = []
    if s.end <= s.start:
        errs.append(("end", f"must be after start ({s.start})"))
    if s.days > MAX_DAYS:
        errs.append(("end", f"the run may span at most {MAX_DAYS} days"))
    names: set[str] = set()
    for section, units in (("units", s.units), ("reinforcements", s.reinforcements)):
        for i, u in enumerate(units):
            if u.name in names:
                errs.append((f"{section}.{i}.name", f"unit name {u.name!r} is used twice"))
            names.add(u.name)
            if not s.start <= u.arrive <= s.end:
                errs.append((f"{section}.{i}.arrive", f"must lie between start and end ({s.start}..{s.end})"))
    for i, p in enumerate(s.policy):
        if p.name in names:
            errs.append((f"policy.{i}.name", f"name {p.name!r} is already a unit's"))
        names.add(p.name)
        errs += _check_condition(p.when, f"policy.{i}.when")
    if s.initial_posture is not None and s.initial_posture not in s.postures:
        errs.append(("initial_posture", f"{s.initial_posture!r} is not among postures ({', '.join(s.postures)})"))
    for i, ph in enumerate(s.phases):
        if ph.posture not in s.postures:
            errs.append((f"phases.{i}.posture", f"{ph.posture!r} is not among postures ({', '.join(s.postures)})"))
        if not s.start <= ph.from_ <= s.end:
            errs.append((f"phases.{i}.from", f"must lie between start and end ({s.start}..{s.end})"))
        for j, u in enumerate(ph.units or []):
            if u not in names:
                errs.append((f"phases.{i}.units.{j}", f"no unit named {u!r}"))
    arrivals = {u.name: u.arrive for u in s.all_units}
    for i, r in enumerate(s.rotations):
        if r.unit not in arrivals:
            errs.append((f"rotations.{i}.unit", f"no unit named {r.unit!r}"))
        elif r.leave < arrivals[r.unit]:
            errs.append((f"rotations.{i}.leave", f"must not be before unit {r.unit!r} arrives ({arrivals[r.unit]})"))
        if not s.start <= r.leave <= s.end:
            errs.append((f"rotations.{i}.leave", f"must lie between start and end ({s.start}..{s.end})"))
        if r.until is not None and r.until < r.leave:
            errs.append((f"rotations.{i}.until", "must not be before leave"))
    c = s.casualties
    if c.wounded is None:
        if c.killed.support(0.0, 1.0)[1] + c.missing.support(0.0, 1.0)[1] > 1 + 1e-9:
            errs.append(("casualties", "killed + missing must not exceed 1 (wounded is the rest)"))
    else:
        if not (c.killed.is_fixed and c.missing.is_fixed and c.wounded.is_fixed):
            errs.append(("casualties.wounded", "leave wounded out when a share is a distribution (it is the rest)"))
        elif abs(c.killed.mean + c.missing.mean + c.wounded.mean - 1) > 1e-6:
            total = c.killed.mean + c.missing.mean + c.wounded.mean
            errs.append(("casualties", f"killed + missing + wounded must sum to 1 (got {total:g})"))
    w = s.wounded
    if w.return_to_duty.support(0.0, 1.0)[1] + w.died_of_wounds.support(0.0, 1.0)[1] > 1 + 1e-9:
        errs.append(("wounded", "return_to_duty + died_of_wounds must not exceed 1 (the rest is evacuated)"))
    for name, cond in s.thresholds.items():
        errs += _check_condition(cond, f"thresholds.{name}")
    seen: set[str] = set()
    for i, c in enumerate(s.claims):
        t, path = c.holds_if, f"claims.{i}.holds_if"
        if c.id in seen:
            errs.append((f"claims.{i}.id", f"claim id {c.id!r} is used twice"))
        seen.add(c.id)
        if t.threshold is not None and t.threshold not in s.thresholds:
            known = ", ".join(s.thresholds) or "none defined"
            errs.append((f"{path}.threshold", f"no threshold named {t.threshold!r} ({known})"))
        if t.measure is not None:
            errs += _check_condition(t.condition(), path)
        for key in ("by", "on", "from_"):
            d = getattr(t, key)
            if d is not None and not s.start <= d <= s.end:
                errs.append((f"{path}.{key.rstrip('_')}", f"must lie between start and end ({s.start}..{s.end})"))
        errs += _check_within(c, s, path)
    return errs


def deadline(claim: Claim, s: Scenario) -> dt.date:
    """The date by (or on) which the claim's condition is tested."""
    t = claim.holds_if
    if t.on is not None:
        return t.on
    if t.by is not None:
        return t.by
    origin = t.from_ or claim.source.date or s.start
    return origin + dt.timedelta(days=t.within_days or 0)


def _check_within(c: Claim, s: Scenario, path: str) -> list[tuple[str, str]]:
    """A claim tested ``within_days`` of a date must end inside the run: a deadline past the end
    would be judged on the run's days only, and one before the start on none."""
    t = c.holds_if
    if t.within_days is None:
        return []
    when = deadline(c, s)
    if s.start <= when <= s.end:
        return []
    origin = f"the source's date ({c.source.date})" if c.source.date else f"start ({s.start})"
    origin = str(t.from_) if t.from_ else origin
    side = f"after the run ends ({s.end})" if when > s.end else f"before the run starts ({s.start})"
    return [(f"{path}.within_days", f"{t.within_days} days from {origin} end on {when}, {side}")]


def _check_condition(cond: Condition, path: str) -> list[tuple[str, str]]:
    errs = []
    if cond.measure not in MEASURES:
        errs.append((f"{path}.measure", f"unknown measure {cond.measure!r}; allowed: {', '.join(MEASURES)}"))
    if cond.of is not None and not _reference_ok(cond.of):
        errs.append((f"{path}.of", f"unknown reference {cond.of!r}; a measure or peak_<measure>"))
    return errs


def check_run_size(reps: int | None = None, seed: int | None = None) -> None:
    """Refuse a replication count or seed out of range (options given on the command line or
    to the library), as one-line :class:`InputError`s naming the option."""
    if reps is not None and not 1 <= reps <= MAX_REPS:
        raise InputError("--reps", "reps", f"must be between 1 and {MAX_REPS:,} (got {reps:,})")
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError("--seed", "seed", "must be between 0 and 2**63 - 1")


def from_data(data: dict[str, Any], src: str = "<scenario>", lines: dict | None = None) -> Scenario:
    """Validate raw data (as read from YAML) into a :class:`Scenario`."""
    lines = lines or {}
    try:
        s = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(src, exc, lines) from None
    errs = check_rules(s)
    if errs:
        field, rule = errs[0]
        if len(errs) > 1:
            rule += f" (and {len(errs) - 1} more error{'s' if len(errs) > 2 else ''})"
        raise InputError(src, field, rule, line_of(lines, *field.split(".")))
    return s
