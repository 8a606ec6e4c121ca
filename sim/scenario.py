"""The scenario file: schema, cross-field rules, and loading (YAML reading is in
:mod:`sim.yamlfile`).

A scenario is read from YAML, checked field by field (unknown keys refused with the allowed
names), then checked across fields (shares sum to 1, dates in order, names refer to things
that exist), and returned as one frozen :class:`Scenario`.  Every error is a
:class:`ScenarioError` whose one-line message names the file, the field path, the rule and,
where known, the line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
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
    Loader,
    ScenarioError,
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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = sorted(f.alias or n for n, f in cls.model_fields.items())
            for key in data:
                if key not in allowed:
                    raise ValueError(f"unknown key {key!r}; allowed: {', '.join(allowed)}")
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
    arrive: Date
    size: Count


class Phase(Strict):
    """From this date on, the named units (all when ``units`` is absent) are in ``posture``."""

    from_: Date = Field(alias="from")
    posture: Name
    units: list[Name] | None = None


class Posture(Strict):
    """Loss behaviour while on duty in one posture.

    Give ``per_day`` (casualties a day across everyone in the posture, the straight-line
    extrapolation) or ``daily_rate`` (per-person daily probability, exponential decay), or
    neither for no combat losses.
    """

    per_day: Count | None = None
    daily_rate: DailyRate | None = None
    noise: Literal["poisson", "negative_binomial", "none"] = "poisson"
    dispersion: _param(0.01, 1e6) | None = None  # type: ignore[valid-type]

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
    missing: Share = Param("fixed", (0.0,))
    wounded: Share | None = None


class Delay(Strict):
    """A delay in days: at least ``min`` days, then a geometric wait, ``mean`` days in all.

    ``min`` equal to ``mean`` gives a fixed delay (and costs no random draws); ``min: 0`` a
    purely geometric one.  A plain number ``n`` is short for a fixed delay of ``n`` days.
    """

    mean: PositiveDays
    min: int = Field(0, ge=0, le=MAX_DAYS)

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
    recovery_days: Delay = Delay(mean=Param("fixed", (21.0,)))
    died_of_wounds: Share = Param("fixed", (0.0,))
    died_of_wounds_days: Delay | None = None  # None: on the day of wounding
    evacuation_days: Delay | None = None  # None: on the day of wounding


class Disease(Strict):
    """Disease and non-battle injury: a daily rate on everyone on duty, with its own return."""

    daily_rate: DailyRate = Param("fixed", (0.0,))
    return_to_duty: Share = Param("fixed", (1.0,))
    recovery_days: Delay = Delay(mean=Param("fixed", (10.0,)))


class Rotation(Strict):
    """A unit leaves on ``leave`` (not a loss); a replacement arrives ``lead_days`` later.

    With ``every_days`` the rotation repeats (each replacement leaving in turn) until
    ``until`` or the scenario's end.
    """

    unit: Name
    leave: Date
    lead_days: int = Field(0, ge=0, le=MAX_DAYS)
    every_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    until: Date | None = None
    size: Count | None = None


Comparison = Literal["below", "at_most", "above", "at_least", "between"]
COMPARISONS = ("below", "at_most", "above", "at_least", "between")


class ComparisonFields(Strict):
    """The comparison part of a condition: one of the comparisons, and an optional reference
    measure ``of`` that the value multiplies."""

    below: Finite | None = None
    at_most: Finite | None = None
    above: Finite | None = None
    at_least: Finite | None = None
    between: tuple[Finite, Finite] | None = None
    of: str | None = None


class Condition(ComparisonFields):
    """``measure`` compared with ``value`` (times the reference measure ``of`` when given)."""

    measure: str

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
    when: Condition
    send: Count
    delay_days: int = Field(30, ge=0, le=MAX_DAYS)
    max_times: int | None = Field(None, ge=1)


class Source(Strict):
    """Who said something, where and when."""

    who: str = Field(min_length=1)
    date: Date | None = None
    outlet: str | None = None
    seed: str | None = None  # the source file name under shared seeds
    url: str | None = None


class ClaimTest(ComparisonFields):
    """When a claim holds: a condition (a named threshold, or a measure compared with a
    value) crossed by a date (``by``, or ``within_days`` of ``from``), or holding on a date
    (``on``)."""

    threshold: Name | None = None
    measure: str | None = None
    by: Date | None = None
    within_days: int | None = Field(None, ge=0, le=MAX_DAYS)
    from_: Date | None = Field(None, alias="from")
    on: Date | None = None

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
    says: str = Field(min_length=1)
    source: Source
    holds_if: ClaimTest
    assumptions: str = ""  # whose assumptions this scenario encodes, in words


class Scenario(Strict):
    """One validated scenario."""

    name: Name
    description: str = ""
    start: Date
    end: Date
    reps: int = Field(1000, ge=1, le=MAX_REPS)
    seed: int = Field(1, ge=0, lt=2**63)
    units: list[Unit] = Field(min_length=1)
    reinforcements: list[Unit] = []
    initial_posture: Name | None = None
    phases: list[Phase] = []
    postures: dict[Name, Posture] = Field(min_length=1)
    casualties: Casualties = Casualties()
    wounded: Wounded = Wounded()
    disease: Disease = Disease()
    rotations: list[Rotation] = []
    policy: list[Policy] = []
    reserve: Count | None = None
    thresholds: dict[Name, Condition] = {}
    claims: list[Claim] = []
    estimates: str | None = None  # a reported-estimates file, relative to this file

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


def _check_within(c: Claim, s: Scenario, path: str) -> list[tuple[str, str]]:
    """A claim tested ``within_days`` of a date must end inside the run: a deadline past the end
    would be judged on the run's days only, and one before the start on none."""
    from .claims import deadline  # here: sim.claims imports this module (through sim.results)

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
    to the library), as one-line :class:`ScenarioError`s naming the option."""
    if reps is not None and not 1 <= reps <= MAX_REPS:
        raise ScenarioError("--reps", "reps", f"must be between 1 and {MAX_REPS:,} (got {reps:,})")
    if seed is not None and not 0 <= seed < 2**63:
        raise ScenarioError("--seed", "seed", "must be between 0 and 2**63 - 1")


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
        raise ScenarioError(src, field, rule, line_of(lines, *field.split(".")))
    return s


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    overrides : list of str
        ``path=value`` strings applied before validation (``postures.combat.per_day=120``).

    Numbers written as ``{derive: {...}}`` are worked out from the scenario's reported
    estimates after the overrides (see :mod:`sim.derive`).

    Raises
    ------
    ScenarioError
        With a one-line message naming the file, the field and the rule.
    """
    src = str(path)
    data, lines = read_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides, src)
    from .derive import resolve_derivations  # here: sim.derive imports this module

    data = resolve_derivations(data, path, lines)
    return from_data(data, src, lines)
