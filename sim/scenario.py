"""The scenario file's schema: the force, its postures and losses, and the :class:`Scenario`
holding them (YAML reading is in :mod:`sim.yamlfile`, the rules across fields in
:mod:`sim.rules`, loading a file in :mod:`sim.loading`).

A scenario is read from YAML, checked field by field (unknown keys refused with the allowed
names), then checked across fields (shares sum to 1, dates in order, names refer to things
that exist), and returned as one frozen :class:`Scenario`.  Every error is a
:class:`InputError` whose one-line message names the file, the field path, the rule and,
where known, the line.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .conditions import Claim, Condition
from .errors import InputError  # noqa: F401  (re-exported: sim.scenario.InputError is public)
from .fields import (
    MAX_DAYS,
    MAX_REPS,
    Coefficient,
    Count,
    DailyRate,
    Date,
    Days,
    Delay,
    Dispersion,
    Exponent,
    Multiple,
    Name,
    PerMonth,
    PositiveDays,
    Share,
    Strict,
    Trend,
    Variation,
)
from .params import Param
from .when import WhenField

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

#: The opponent's measures are its built-in measures under this prefix (``opponent.effective``).
OPPONENT = "opponent"
#: People on duty of the force over those of its opponent (recorded in thousandths, see
#: :data:`SCALED`); a condition on it is tested exactly, as ``effective`` against
#: ``opponent.effective``.
FORCE_RATIO = "force_ratio"
#: Measures recorded as whole numbers of a fraction: the divisor that gives their value.
SCALED = {FORCE_RATIO: 1000}


def opponent_measure(name: str) -> str:
    """The name of the opponent's built-in measure ``name`` (``opponent.effective``)."""
    return f"{OPPONENT}.{name}"


#: Exponents of (own, enemy) strength in the daily mean of each named Lanchester law.
LANCHESTER_EXPONENTS = {"square": (0.0, 1.0), "linear": (1.0, 1.0), "logarithmic": (1.0, 0.0)}


def measure_terms(expression: str) -> list[str]:
    """The terms of a derived measure's expression (``killed + died_of_wounds``), in order, with
    the spaces around them removed; an empty term stands for a missing one (``killed +``).  Which
    terms are allowed is checked in :mod:`sim.rules`."""
    return [term.strip() for term in expression.split("+")]


class Unit(Strict):
    """A body of troops arriving on one date (a wave, a brigade, a reinforcement)."""

    name: Name
    """The unit's name: letters, digits, spaces and `_ . - /`, at most 80 characters, unique among
    units, reinforcements and policies. Phases and rotations refer to the unit by it, and so do
    field paths (`--set units.<name>.size=...`, `reinforcements.<name>.size`)."""
    arrive: WhenField
    """The day the unit arrives and goes on duty, between `start` and `end`: a date, a distribution
    over dates (`{uniform: [2025-01-25, 2025-02-10]}`, `{triangular: [first, likeliest, last]}`),
    or days after another event (`{after: pullback, days: {triangular: [7, 14, 28]}}`: a unit's
    arrival or a named phase's start). Each replication draws its own day; as a parameter it is
    `units.<name>.arrive` (days after `start`) or `units.<name>.arrive.days` (days after the event)."""
    size: Count
    """People in the unit when it arrives (a whole number: each replication rounds its draw). A
    reinforcement is taken from `reserve` when one is given: fewer people, or none, come when the
    reserve runs short."""
    chance: Share = Param("fixed", (1.0,))
    """The share of replications in which the unit comes at all (each replication draws whether it
    does). Less than 1 for a dispatch that may not happen."""
    serves_days: PositiveDays | None = None
    """A term of service: the unit leaves this many days after it arrives (drawn per replication,
    e.g. `{uniform: [90, 180]}`), without replacement. Everyone of it then on duty goes home,
    counted as rotated out (not a loss); its wounded and sick in care stay in care, then rejoin
    the unit with the most people on duty, or go home too (rotated out) when none is left. A unit
    with a term is not also rotated. Absent: it stays to the end."""


class Phase(Strict):
    """From this date on, the named units (all when ``units`` is absent) are in ``posture``."""

    name: Name | None = None
    """A name for the phase, so that a later date can be given as days after its start
    (`{after: <name>, days: ...}`)."""
    from_: WhenField = Field(alias="from")
    """The first day of the phase, between `start` and `end`: a date, a distribution over dates, or
    days after another event, as for a unit's `arrive` (as a parameter: `phases.<index>.from`, or
    `phases.<index>.from.days`). A unit stays in the posture until a later phase that applies to
    it."""
    chance: Share = Param("fixed", (1.0,))
    """The share of replications in which the phase happens at all (drawn per replication); in the
    others the units stay in their earlier posture."""
    posture: Name
    """The posture (a name under `postures`) the units are in from this day on."""
    units: list[Name] | None = None
    """The units the phase applies to: names from `units`, `reinforcements` or `policy` (a policy's
    name stands for the reinforcements it sends). A phase naming a rotated unit applies to its
    replacements too. Absent: every unit. Of two phases starting on the same day, one naming units
    wins over one for all, and otherwise the later in the file wins."""


class Tie(Strict):
    """A per-person daily rate given as a multiple of another posture's."""

    of: Name
    """The posture (a name under `postures`, with a `daily_rate` of its own) whose rate this one
    multiplies, replication by replication: a calibrated or uncertain base rate carries over."""
    times: Multiple
    """The multiple (0 or more; the product must stay at most 1): `{uniform: [0.2, 1.0]}` for a
    rate between a fifth of the other and the same. As a parameter: `postures.<name>.daily_rate.times`."""


class Lanchester(Strict):
    """Losses whose daily mean depends on both sides' strengths: ``coefficient`` times the people
    on duty in the posture to the power ``own_exponent`` times the opponent's people on duty to
    the power ``enemy_exponent``."""

    law: Literal["square", "linear", "logarithmic", "mixed"]
    """Which law: `square` (the daily mean is `coefficient` x the enemy's strength: aimed fire),
    `linear` (`coefficient` x own x enemy strength: area fire), `logarithmic` (`coefficient` x own
    strength, whatever the enemy: the same as a `daily_rate`), or `mixed` (`coefficient` x own to the
    power `own_exponent` x enemy to the power `enemy_exponent`, Helmbold's general form). Own
    strength is the people on duty in present units in this posture; the enemy's is the opponent's
    people on duty in its present units (the force's, for a posture of the opponent). Both sides'
    losses of a day are worked out from the strengths at the start of that day's fighting."""
    coefficient: Coefficient
    """The attrition coefficient, per day: for `square`, casualties a day per enemy on duty; for
    `linear`, per pair of own and enemy; for `logarithmic`, the per-person daily probability. As a
    parameter: `postures.<name>.lanchester.coefficient` (`opponent.postures.<name>...` on the
    opponent's side)."""
    own_exponent: Exponent | None = None
    """The power of own strength in the daily mean (law `mixed` only; 0 to 2)."""
    enemy_exponent: Exponent | None = None
    """The power of the enemy's strength in the daily mean (law `mixed` only; 0 to 2)."""
    deterministic: bool = False
    """Take exactly the daily mean as casualties (the fraction of a casualty carried to the next
    day) instead of drawing them, to check a run against the law's differential equations. False
    (the default): each person on duty in the posture is hit with probability mean / own strength
    (at most 1), a binomial draw per unit, with `daily_cv` and `trend` as for a `daily_rate`."""

    @model_validator(mode="after")
    def _exponents(self) -> Lanchester:
        given = self.own_exponent is not None or self.enemy_exponent is not None
        if self.law == "mixed" and (self.own_exponent is None or self.enemy_exponent is None):
            raise ValueError("law: mixed needs own_exponent and enemy_exponent")
        if self.law != "mixed" and given:
            raise ValueError(f"law: {self.law} sets its own exponents; give them with law: mixed only")
        return self

    def exponents(self) -> tuple[Param, Param]:
        """The (own, enemy) exponents as parameters."""
        if self.law == "mixed":
            return self.own_exponent, self.enemy_exponent
        own, enemy = LANCHESTER_EXPONENTS[self.law]
        return Param("fixed", (own,)), Param("fixed", (enemy,))


class Posture(Strict):
    """Loss behaviour while on duty in one posture.

    Give ``per_day`` (casualties a day across everyone in the posture, the straight-line
    extrapolation), ``daily_rate`` (per-person daily probability, exponential decay) or
    ``lanchester`` (losses that depend on the opponent's strength), or none for no combat losses.
    """

    per_day: Count | None = None
    """Combat casualties a day (people a day) among everyone on duty in this posture, all its units
    together, however many they are: the straight-line extrapolation of a reported count. Each day's
    count is drawn as `noise` says, is at most the number on duty there, and is shared among the
    units by a draw without replacement. Give this or `daily_rate`, not both; neither means no
    combat losses."""
    daily_rate: DailyRate | Tie | None = None
    """Per-person daily probability of becoming a combat casualty: each person on duty in this
    posture is hit on a given day with this probability (a binomial draw), so the force decays
    exponentially. Give this or `per_day`, not both. `{of: combat, times: {uniform: [0.2, 1.0]}}`
    ties it to another posture's rate."""
    noise: Literal["poisson", "negative_binomial", "none"] = "poisson"
    """How a `per_day` count varies from day to day: `poisson` (a Poisson draw of mean `per_day`),
    `negative_binomial` (burstier: mean `per_day`, variance `per_day + per_day²/dispersion`; needs
    `dispersion`) or `none` (exactly `per_day` a day, a fraction carried over to the next day).
    Ignored with `daily_rate`."""
    dispersion: Dispersion | None = None
    """The shape k of the negative binomial (`noise: negative_binomial` only; ignored otherwise):
    the smaller k, the more the losses come in bursts of heavy days (variance
    `per_day + per_day²/k`); a large k is close to Poisson."""
    trend: Trend = Param("fixed", (1.0,))
    """How the posture's losses change with time: a factor per 30 days on `daily_rate`, `per_day` or
    a `lanchester` law's mean, counted from the day the posture began for the unit (for `per_day`, for the first
    of its units). `0.8`: a fifth fewer losses after a month in the posture, as the force adapts;
    `1.2`: a fifth more. 1 (the default): no change."""
    daily_cv: Variation = Param("fixed", (0.0,))
    """Day-to-day variation of `daily_rate` (or of a drawn `lanchester` law's rate): each day (for
    each replication and posture) the rate is multiplied by a random factor of mean 1 and this
    coefficient of variation (a gamma draw), so losses come in good and bad days (a Cox process;
    the daily rate stays at most 1). 0 (the default): the same rate every day. Ignored with
    `per_day` (its `noise` does this)."""
    lanchester: Lanchester | None = None
    """Losses that depend on the opponent's strength as well as this posture's (Lanchester's laws):
    `{law: square, coefficient: 0.0544}`. Needs an `opponent`. Give this, `per_day` or `daily_rate`,
    not two of them."""
    disease_rate: DailyRate | None = None
    """Per-person daily probability of disease or non-battle injury while in this posture (share 0-1
    a day), instead of `disease.daily_rate` (cold, exhaustion and disease in the trenches need not
    match rear duty). Absent: `disease.daily_rate`."""

    @model_validator(mode="before")
    @classmethod
    def _tie_keys(cls, data: Any) -> Any:
        rate = data.get("daily_rate") if isinstance(data, dict) else None
        if isinstance(rate, dict) and ("of" in rate or "times" in rate) and set(rate) != {"of", "times"}:
            raise ValueError("daily_rate: a rate tied to another posture's is {of: <posture>, times: <multiple>}")
        return data

    @model_validator(mode="after")
    def _one_law(self) -> Posture:
        given = [k for k in ("per_day", "daily_rate", "lanchester") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of per_day, daily_rate and lanchester, not {' and '.join(given)}")
        if self.noise == "negative_binomial" and self.dispersion is None:
            raise ValueError("noise: negative_binomial needs a dispersion (k > 0)")
        return self

    @property
    def law(self) -> str:
        if self.per_day is not None:
            return "per_day"
        if self.lanchester is not None:
            return "lanchester"
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


class MassCasualty(Strict):
    """An event that hits many people at once (an artillery or drone barrage), on random days.

    Each day of each replication, when anyone is on duty in a present unit in an exposed
    posture, the event happens with probability ``per_30_days / 30``; it hits ``size`` people
    (at most everyone exposed), of whom a share ``killed`` die and the rest are wounded.
    """

    name: Name
    """The event's name, unique among the mass-casualty events; its parameters are
    `mass_casualty.<name>.per_30_days`, `mass_casualty.<name>.size` and `mass_casualty.<name>.killed`."""
    per_30_days: PerMonth
    """Expected events per 30 days, 0 to 30 (one value per replication when a distribution). Each
    day on which at least one person is on duty in a present unit in an exposed posture (see
    `postures`), the event happens with probability `per_30_days / 30` (30: every such day); on
    other days it cannot happen. Days are independent, so the events of a run are binomial over
    the exposed days."""
    size: Count
    """People hit by one event (a whole number: each draw is rounded). A distribution is drawn
    anew for every event. An event hits `min(size, people on duty in exposed present units)`,
    shared among those units by draws without replacement, one unit at a time (as a `per_day`
    count is). Each replication has a long store of drawn sizes that its events use in turn; in
    the unlikely case that a replication has more events than the store holds, the further events
    reuse its last size. A value given per replication from outside the file (a sweep point, a
    calibration walker or a posterior row) is the size of every event of that replication."""
    killed: Share
    """Share of the people hit who are killed (share 0-1, one value per replication when a
    distribution): the number killed by an event is a binomial draw of that share from those hit.
    The rest are wounded, with the same fates as other wounded (`wounded`: return to duty, death
    of wounds or evacuation); none go missing. Both count as combat casualties (the `killed`,
    `wounded` and `casualties` measures), whatever `casualties` says."""
    postures: list[Name] | None = Field(None, min_length=1)
    """The postures (names under `postures`) whose units are exposed to the event. Absent: every
    posture that gives a `per_day` or a `daily_rate`, that is every posture with combat losses."""


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
    leave: WhenField
    """The day the unit leaves, not before it arrives and not after `end`: everyone of it then on
    duty goes home, counted as rotated out (not a loss). Its wounded and sick in care stay in care,
    then rejoin whichever unit has the most people on duty. May be uncertain like a unit's
    `arrive` (a distribution over dates, or days after an event): each replication's rotations
    then all move by its drawn difference from the likeliest day, and a run holds as many reliefs
    as it would at the likeliest day (`rotations.<index>.leave` as a parameter)."""
    lead_days: int = Field(0, ge=0, le=MAX_DAYS)
    """Days from the departure to the replacement's arrival (0: the same day). A replacement due
    after `end` does not come."""
    every_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    """Repeat the rotation: each replacement in turn leaves this many days after it arrives and is
    replaced in the same way. Absent: one rotation only."""
    until: Date | None = None
    """With `every_days`: the last day a departure may happen, not before `leave`. Absent: the
    scenario's end."""
    size: Count
    """People in each replacement (required: a replacement is stated, never assumed to match the
    unit it relieves). Replacements are taken from `reserve` when one is given."""
    chance: Share = Param("fixed", (1.0,))
    """The share of replications in which the rotation happens at all (drawn per replication); in
    the others the unit stays and no replacement comes."""


class Recruitment(Strict):
    """A steady flow of recruits, spread evenly over the days between two dates."""

    name: Name
    """The flow's name (unique among units, reinforcements, policies and recruitment): phases may
    name it to put its recruits in a posture; otherwise they follow the phases for all units."""
    per_30_days: Count
    """Recruits per 30 days (a parameter: `recruitment.<name>.per_30_days`), arriving a little
    every day (whole people; the fraction of a person is carried to the next day)."""
    from_: Date = Field(alias="from")
    """The first day recruits arrive, between `start` and `end`."""
    until: Date | None = None
    """The last day recruits arrive. Absent: the scenario's end."""
    from_reserve: bool = False
    """Take the recruits from `reserve` (none come once it is used up). False: an unlimited pool."""


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
    delay_days: Days = Param("fixed", (30.0,))
    """Days from the day the condition holds to the reinforcement's arrival (a number or a
    distribution, drawn per replication and rounded to whole days; "within two months" is
    `{uniform: [0, 60]}`); 0 acts as 1 (the next day). A dispatch due after `end` never arrives."""
    max_times: int | None = Field(None, ge=1)
    """The most dispatches the policy makes in a run (a whole number, 1 or more). Absent: as many as
    the condition and the reserve allow, one at a time."""
    chance: Share = Param("fixed", (1.0,))
    """The share of replications in which the policy is in force at all (drawn per replication); in
    the others it never sends anyone."""


class Force(Strict):
    """One side: its units and when they arrive, its postures and their losses, and what becomes
    of its casualties."""

    units: list[Unit] = Field(min_length=1)
    """The force: units arriving on their dates (at least one)."""
    reinforcements: list[Unit] = Field(default_factory=list)
    """Units sent later, written like `units`; unlike them, each is taken from `reserve` when one is
    given."""
    initial_posture: Name | None = None
    """The posture every unit is in before the first phase that applies to it. Absent: the first
    posture under `postures`."""
    phases: list[Phase] = Field(default_factory=list)
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

    @property
    def all_units(self) -> list[Unit]:
        return [*self.units, *self.reinforcements]

    @property
    def start_posture(self) -> str:
        return self.initial_posture or next(iter(self.postures))


class Opponent(Force):
    """The other side, a :class:`Force` of its own."""

    name: Name
    """The opponent's name: a label for tables and charts (`Japanese garrison`)."""


class Run(Strict):
    """A scenario's name and what a run of it is: its days, replications and seed."""

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


class Scenario(Force, Run):
    """One validated scenario: the force (the fields of :class:`Force`), its run, and what to
    measure."""

    opponent: Opponent | None = None
    """The other side: a force of its own (units, reinforcements, phases, postures, casualties,
    wounded, disease, written as at the top level) and a `name`. Its measures are the built-in
    ones under `opponent.` (`opponent.effective`, `opponent.killed`, ...), and `force_ratio` is
    the force's people on duty over the opponent's; postures of either side may then give
    `lanchester` losses. Its parameters' paths start with `opponent.`
    (`opponent.units.<name>.size`). It has no reserve, rotations, policies, recruitment or
    mass-casualty events of its own."""
    mass_casualty: list[MassCasualty] = Field(default_factory=list)
    """Events that kill or wound many people at once (an artillery or drone barrage), on random
    days at a stated frequency, on top of the postures' daily losses."""
    rotations: list[Rotation] = Field(default_factory=list)
    """Units leaving (a rotation, not a loss) and replaced after a lead time, once or repeatedly."""
    policy: list[Policy] = Field(default_factory=list)
    """Reinforcements sent whenever a condition holds (a policy), after a delay."""
    recruitment: list[Recruitment] = Field(default_factory=list)
    """Steady flows of recruits (so many a month between two dates), joining the fighting force as
    they come."""
    reserve: Count | None = None
    """People available to `reinforcements`, rotation replacements and `policy` dispatches, all
    together; each arrival takes what it can, and the reserve can run out. The first `units` do not
    draw on it. Absent: no limit."""
    measures: dict[Name, str] = Field(default_factory=dict)
    """Measures of the scenario's own, each the sum of built-in measures, written `a + b + c`
    (`deaths: killed + died_of_wounds`). They are recorded every day like the built-in ones and
    can be named wherever a measure can: thresholds, claims, policies (`peak_<name>` too), sweep
    outputs, charts and tables. A name must not be a built-in measure's nor start with `peak_`,
    and the terms must be built-in measures, not other measures defined here."""
    thresholds: dict[Name, Condition] = Field(default_factory=dict)
    """Named conditions whose first crossing is reported (its date per replication, and the
    probability of having crossed by each date). A condition is crossed on the first day it holds
    after a day it did not, so that `effective below 5000` is not crossed before anyone arrives."""
    claims: list[Claim] = Field(default_factory=list)
    """Claims from sources, each with a test saying when it holds."""
    estimates: str | None = None  # a reported-estimates file, relative to this file
    """A reported-estimates file, its path relative to this file: its figures are drawn on the
    charts, fitted by `calibrate`, and can stand for numbers (`{derive: ...}`)."""

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def forces(self) -> list[tuple[str, Force]]:
        """The sides with the prefix of their field paths: the force (``""``), then the opponent
        (``"opponent."``) when there is one."""
        return [("", self)] if self.opponent is None else [("", self), (f"{OPPONENT}.", self.opponent)]

    @property
    def every_unit(self) -> list[Unit]:
        """The units and reinforcements of both sides."""
        return [u for _, f in self.forces for u in f.all_units]

    @property
    def named_phases(self) -> list[Phase]:
        """The phases of both sides that have a name (a date may be given after their start)."""
        return [ph for _, f in self.forces for ph in f.phases if ph.name]

    @property
    def base_measures(self) -> tuple[str, ...]:
        """The built-in measures recorded: :data:`MEASURES`, then with an opponent its own (see
        :func:`opponent_measure`) and :data:`FORCE_RATIO`."""
        if self.opponent is None:
            return MEASURES
        return (*MEASURES, *(opponent_measure(m) for m in MEASURES), FORCE_RATIO)

    @property
    def measure_names(self) -> tuple[str, ...]:
        """Every measure recorded: the built-in ones (:attr:`base_measures`), then the derived
        ones (``measures``) in file order."""
        return (*self.base_measures, *self.measures)

    @property
    def derived_terms(self) -> dict[str, list[str]]:
        """Each derived measure's terms, by name (see :func:`measure_terms`)."""
        return {name: measure_terms(expression) for name, expression in self.measures.items()}

    def dump(self) -> dict[str, Any]:
        """The scenario as plain data, in file syntax (round-trips through ``from_data``)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- cross-field rules ---------------------------------------------------------------------------
