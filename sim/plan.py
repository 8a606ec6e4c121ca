"""Compile a :class:`~sim.scenario.Scenario` into the :class:`Plan` the engine runs on.

Everything here is deterministic: calendar dates become day indices (day 0 is the start
date), rotations are expanded into unit slots, the posture of every unit on every day is
tabulated, each posture gets its loss law (:mod:`sim.laws`), policies and conditions are
resolved, and every numeric parameter is listed by its field path so that each replication
can draw its own value.  The plan holds all the engine needs: the engine never reads the
scenario.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .care import DelaySpec
from .conditions import Condition
from .fields import Delay
from .laws import Law, law_for
from .params import Param
from .scenario import FORCE_RATIO, SCALED, Force, MassCasualty, Scenario, Tie, opponent_measure
from .when import When


@dataclass(frozen=True)
class DaySpec:
    """A day that may differ between replications: the parameter ``param`` (a day index; or,
    with ``after``, days after the event of that name), happening only when the draw of the
    parameter ``chance`` says so (None: always)."""

    param: str | None = None
    after: str | None = None
    chance: str | None = None


@dataclass(frozen=True)
class UnitSlot:
    """One column of the engine's on-duty table."""

    name: str
    size: str | None  # parameter path of the size; None for a policy slot (filled per rep)
    arrive: int | None  # day index (the likeliest, when it is uncertain); None for a policy slot
    leave: int | None = None  # day index of rotation out
    from_reserve: bool = False  # the arrival draws on the finite reserve
    when: DaySpec | None = None  # the arrival day when it differs between replications
    serves: str | None = None  # parameter path of its term of service in days (it then leaves)
    rotation_chance: str | None = None  # parameter path of the chance of the rotation it is part of
    replacement: bool = False  # a rotation's replacement (it arrives only if the rotation happens)
    rotation: int | None = None  # the rotation it leaves by, or arrives by
    side: int = 0  # 0: the force; 1: its opponent


@dataclass(frozen=True)
class PhaseEntry:
    """A phase, compiled: from ``day`` on, the unit slots ``slots`` are in posture ``posture``
    (an index); ``specific`` when the phase names units (it beats one for all of the same day)."""

    day: int  # the likeliest day, when it is uncertain
    posture: int
    specific: bool
    slots: frozenset[int]
    name: str | None = None  # the phase's name, for dates given after its start
    when: DaySpec | None = None  # the day when it differs between replications


@dataclass(frozen=True)
class RecruitmentSpec:
    """A flow of recruits, compiled: ``rate`` (a parameter path) per 30 days into unit slot ``slot``
    from day ``first`` to day ``last``, drawn on the reserve when ``from_reserve``."""

    slot: int
    rate: str
    first: int
    last: int
    from_reserve: bool


@dataclass(frozen=True)
class PolicySpec:
    """A policy, compiled: when ``when`` holds, send ``send`` people to unit slot ``slot``,
    arriving ``delay_days`` later, at most ``max_times`` times (None: no limit)."""

    slot: int
    when: Condition
    send: str  # parameter path of the people sent by each dispatch
    delay_days: str  # parameter path of the days until it arrives (at least 1: a later day)
    max_times: int | None
    chance: str | None = None  # parameter path of the chance that the policy is in force


@dataclass(frozen=True)
class MassCasualtySpec:
    """A mass-casualty event, compiled: parameter paths of its frequency (events per 30 days),
    its size (people hit by one event) and its killed share, and the indices of the postures
    whose units it hits."""

    name: str
    rate: str
    size: str
    killed: str
    postures: tuple[int, ...]


@dataclass(frozen=True)
class SideSpec:
    """One side, compiled: the prefix of its field paths (``""`` or ``"opponent."``), its care
    lines and the posture its units start in."""

    prefix: str
    recovery: DelaySpec
    sick_recovery: DelaySpec
    dying: DelaySpec | None  # None: deaths of wounds on the day of wounding
    evacuation: DelaySpec | None
    start_posture: int  # posture index before any phase

    @property
    def lines(self) -> list[DelaySpec | None]:
        """The care lines in the compiled step's order: wounded who return, sick who return,
        wounded who die of wounds, wounded evacuated."""
        return [self.recovery, self.sick_recovery, self.dying, self.evacuation]


def _side(f: Force, prefix: str, first_posture: int) -> SideSpec:
    w, d = f.wounded, f.disease
    return SideSpec(
        prefix,
        DelaySpec(w.recovery_days.min, f"{prefix}wounded.recovery_days.mean"),
        DelaySpec(d.recovery_days.min, f"{prefix}disease.recovery_days.mean"),
        _delay(w.died_of_wounds_days, f"{prefix}wounded.died_of_wounds_days.mean"),
        _delay(w.evacuation_days, f"{prefix}wounded.evacuation_days.mean"),
        first_posture + list(f.postures).index(f.start_posture),
    )


@dataclass
class Plan:
    """The scenario, compiled.  Built by :func:`compile_plan`."""

    scenario: Scenario  # provenance for results; the engine reads only the fields below
    days: int
    dates: list[dt.date]
    units: list[UnitSlot]
    postures: list[str]  # the force's postures by name, then the opponent's (``opponent.<name>``)
    laws: list[Law]  # the loss law of each posture
    posture_of: np.ndarray  # (units, days) posture index of each unit on each day
    params: dict[str, Param]  # every numeric parameter, by field path
    sides: list[SideSpec]  # the force, then its opponent when there is one
    posture_side: list[int] = field(default_factory=list)  # the side of each posture
    reserve: str | None = None  # parameter path of the finite reserve; None: no limit
    column: list[int] = field(default_factory=list)  # on-duty column of each unit slot
    policies: list[PolicySpec] = field(default_factory=list)
    conditions: dict[str, Condition] = field(default_factory=dict)  # tracked for first crossings
    snapshots: dict[str, tuple[int, Condition]] = field(default_factory=dict)  # claim -> (day, condition)
    phase_days: list[int] = field(default_factory=list)
    entries: list[PhaseEntry] = field(default_factory=list)  # the phases, in file order
    disease: list[str] = field(default_factory=list)  # parameter path of each posture's disease rate
    recruitment: list[RecruitmentSpec] = field(default_factory=list)
    rotations: list[tuple[int, DaySpec | None]] = field(default_factory=list)  # likeliest leave day, how drawn
    mass_casualty: list[MassCasualtySpec] = field(default_factory=list)
    measures: tuple[str, ...] = ()  # every measure recorded: the built-in ones, then the derived
    scaled: dict[str, int] = field(default_factory=dict)  # measures recorded in fractions: their divisor
    derived: list[tuple[int, ...]] = field(default_factory=list)  # each derived measure's terms (measure indices)

    def param_paths(self) -> list[str]:
        return sorted(self.params)

    @property
    def recovery(self) -> DelaySpec:
        return self.sides[0].recovery

    @property
    def sick_recovery(self) -> DelaySpec:
        return self.sides[0].sick_recovery

    @property
    def dying(self) -> DelaySpec | None:
        return self.sides[0].dying

    @property
    def evacuation(self) -> DelaySpec | None:
        return self.sides[0].evacuation

    @property
    def start_posture(self) -> int:
        return self.sides[0].start_posture


def _collect_params(s: Scenario) -> dict[str, Param]:
    out: dict[str, Param] = {}
    for prefix, f in s.forces:
        _force_params(out, f, prefix)
    for i, r in enumerate(s.rotations):
        out[f"rotations.{i}.size"] = r.size
        _day_params(out, f"rotations.{i}", "leave", r.leave, _CERTAIN, s.start)
        if not (r.chance.is_fixed and r.chance.mean == 1.0):
            out[f"rotations.{i}.chance"] = r.chance
    for p in s.policy:
        out[f"policy.{p.name}.send"] = p.send
        out[f"policy.{p.name}.delay_days"] = p.delay_days
        if not (p.chance.is_fixed and p.chance.mean == 1.0):
            out[f"policy.{p.name}.chance"] = p.chance
    for f in s.recruitment:
        out[f"recruitment.{f.name}.per_30_days"] = f.per_30_days
    for e in s.mass_casualty:
        out[f"mass_casualty.{e.name}.per_30_days"] = e.per_30_days
        out[f"mass_casualty.{e.name}.size"] = e.size
        out[f"mass_casualty.{e.name}.killed"] = e.killed
    if s.reserve is not None:
        out["reserve"] = s.reserve
    for prefix, f in s.forces:
        for section, units in (("units", f.units), ("reinforcements", f.reinforcements)):
            for u in units:
                _day_params(out, f"{prefix}{section}.{u.name}", "arrive", u.arrive, u.chance, s.start)
        for i, ph in enumerate(f.phases):
            _day_params(out, f"{prefix}phases.{i}", "from", ph.from_, ph.chance, s.start)
    return out


def _force_params(out: dict[str, Param], f: Force, prefix: str) -> None:
    """One side's numeric parameters (but its dates), by field path."""
    for section, units in (("units", f.units), ("reinforcements", f.reinforcements)):
        for u in units:
            out[f"{prefix}{section}.{u.name}.size"] = u.size
            if u.serves_days is not None:
                out[f"{prefix}{section}.{u.name}.serves_days"] = u.serves_days
    # Every numeric field a posture gives, whatever its law reads of them.
    for name, p in f.postures.items():
        for key, fld in type(p).model_fields.items():
            value = getattr(p, key)
            path = f"{prefix}postures.{name}.{fld.alias or key}"
            if isinstance(value, Param):
                out[path] = value
            elif isinstance(value, Tie):
                out[f"{path}.times"] = value.times
        if p.lanchester is not None:
            own, enemy = p.lanchester.exponents()
            out[f"{prefix}postures.{name}.lanchester.coefficient"] = p.lanchester.coefficient
            out[f"{prefix}postures.{name}.lanchester.own_exponent"] = own
            out[f"{prefix}postures.{name}.lanchester.enemy_exponent"] = enemy
    c, w, d = f.casualties, f.wounded, f.disease
    out[f"{prefix}casualties.killed"] = c.killed
    out[f"{prefix}casualties.missing"] = c.missing
    out[f"{prefix}wounded.return_to_duty"] = w.return_to_duty
    out[f"{prefix}wounded.recovery_days.mean"] = w.recovery_days.mean
    out[f"{prefix}wounded.died_of_wounds"] = w.died_of_wounds
    if w.died_of_wounds_days is not None:
        out[f"{prefix}wounded.died_of_wounds_days.mean"] = w.died_of_wounds_days.mean
    if w.evacuation_days is not None:
        out[f"{prefix}wounded.evacuation_days.mean"] = w.evacuation_days.mean
    out[f"{prefix}disease.daily_rate"] = d.daily_rate
    out[f"{prefix}disease.return_to_duty"] = d.return_to_duty
    out[f"{prefix}disease.recovery_days.mean"] = d.recovery_days.mean


_CERTAIN = Param("fixed", (1.0,))  # the chance of an event that always happens


def _day_params(out: dict[str, Param], prefix: str, key: str, when: When, chance: Param, start: dt.date) -> None:
    """The parameters of an uncertain day, and of its chance when one is given."""
    if when.kind == "after":
        out[f"{prefix}.{key}.days"] = when.days
    elif not when.is_fixed:
        out[f"{prefix}.{key}"] = when.offsets(start)
    if not (chance.is_fixed and chance.mean == 1.0):
        out[f"{prefix}.chance"] = chance


def _day_spec(prefix: str, key: str, when: When, chance: Param) -> DaySpec | None:
    """How the day is drawn per replication (None: the same day in every replication)."""
    certain = chance.is_fixed and chance.mean == 1.0
    if when.is_fixed and certain:
        return None
    if when.kind == "after":
        param = f"{prefix}.{key}.days"
    else:
        param = None if when.is_fixed else f"{prefix}.{key}"
    return DaySpec(param, when.after, None if certain else f"{prefix}.chance")


def nominal_days(s: Scenario) -> dict[str, int]:
    """The likeliest day of every event (units' arrivals and named phases' starts): the date
    itself, the likeliest of a distribution, a relative date's event plus its mean days."""
    events = {u.name: u.arrive for u in s.every_unit}
    events |= {ph.name: ph.from_ for ph in s.named_phases}
    out: dict[str, int] = {}
    for _ in range(len(events) + 1):  # in dependency order (the rules refuse cycles)
        for name, when in events.items():
            if name not in out and (when.kind != "after" or when.after in out):
                out[name] = _nominal(when, s.start, out)
    return out


def _nominal(when: When, start: dt.date, known: dict[str, int]) -> int:
    if when.kind == "after":
        return known[when.after] + round(when.days.mean)
    return (when.nominal - start).days


def _posture_table(entries: list[PhaseEntry], units: list[UnitSlot], sides: list[SideSpec], days: int) -> np.ndarray:
    """Posture index of every unit on every day (at the likeliest dates): the latest phase entry
    on or before the day that applies to the unit; a unit-specific entry beats a global one of
    the same date."""
    table = np.empty((len(units), days), dtype=np.int16)
    for ui, u in enumerate(units):
        table[ui] = sides[u.side].start_posture
    # Sort key: date, then global before specific, then file order: later entries win.
    for e in sorted(range(len(entries)), key=lambda i: (entries[i].day, entries[i].specific, i)):
        for ui in entries[e].slots:
            table[ui, entries[e].day :] = entries[e].posture
    return table


def _entries(s: Scenario, units: list[UnitSlot], aliases: dict[str, set[str]], postures: list[str]) -> list[PhaseEntry]:
    """Both sides' phases, compiled (the force's, then the opponent's); a side's phase applies to
    its own units only."""
    nominal = nominal_days(s)
    out = []
    for side, (prefix, f) in enumerate(s.forces):
        for i, ph in enumerate(f.phases):
            slots = frozenset(
                ui
                for ui, u in enumerate(units)
                if u.side == side and (ph.units is None or aliases[u.name] & set(ph.units))
            )
            out.append(
                PhaseEntry(
                    _nominal(ph.from_, s.start, nominal),
                    postures.index(f"{prefix}{ph.posture}"),
                    ph.units is not None,
                    slots,
                    ph.name,
                    _day_spec(f"{prefix}phases.{i}", "from", ph.from_, ph.chance),
                )
            )
    return out


def compile_plan(s: Scenario) -> Plan:
    """Compile a validated scenario into a :class:`Plan`."""
    days = s.days
    units, aliases = _unit_slots(s, days)
    policies = []
    for p in s.policy:
        policies.append(
            PolicySpec(
                len(units),
                exact(p.when),
                f"policy.{p.name}.send",
                f"policy.{p.name}.delay_days",
                p.max_times,
                None if p.chance.is_fixed and p.chance.mean == 1.0 else f"policy.{p.name}.chance",
            )
        )
        units.append(UnitSlot(p.name, None, None, None, from_reserve=True))
        aliases[p.name] = {p.name}
    recruitment = []
    for f in s.recruitment:
        last = days - 1 if f.until is None else min((f.until - s.start).days, days - 1)
        first = (f.from_ - s.start).days
        recruitment.append(
            RecruitmentSpec(len(units), f"recruitment.{f.name}.per_30_days", first, last, f.from_reserve)
        )
        units.append(UnitSlot(f.name, None, first, None))  # present from the first day, empty
        aliases[f.name] = {f.name}
    for side, (prefix, f) in enumerate(s.forces[1:], start=1):  # the opponent's units
        _add_units(s, f, prefix, side, units, aliases)
    postures = [f"{prefix}{name}" for prefix, f in s.forces for name in f.postures]
    sides = []
    for prefix, f in s.forces:
        sides.append(_side(f, prefix, postures.index(f"{prefix}{next(iter(f.postures))}")))
    entries = _entries(s, units, aliases, postures)
    table = _posture_table(entries, units, sides, days)
    changes = sorted({d for d in range(1, days) if (table[:, d] != table[:, d - 1]).any()})
    return Plan(
        scenario=s,
        days=days,
        dates=[s.start + dt.timedelta(days=i) for i in range(days)],
        units=units,
        postures=postures,
        laws=[law_for(name, p, prefix) for prefix, f in s.forces for name, p in f.postures.items()],
        posture_of=table,
        params=_collect_params(s),
        sides=sides,
        posture_side=[side for side, (_, f) in enumerate(s.forces) for _ in f.postures],
        reserve=None if s.reserve is None else "reserve",
        column=_columns(units, entries),
        policies=policies,
        conditions=conditions_of(s),
        snapshots=snapshots_of(s),
        phase_days=changes,
        entries=entries,
        recruitment=recruitment,
        rotations=[
            (_nominal(r.leave, s.start, nominal_days(s)), _day_spec(f"rotations.{i}", "leave", r.leave, _CERTAIN))
            for i, r in enumerate(s.rotations)
        ],
        disease=[
            f"{pre}postures.{n}.disease_rate" if p.disease_rate is not None else f"{pre}disease.daily_rate"
            for pre, f in s.forces
            for n, p in f.postures.items()
        ],
        mass_casualty=[_mass_casualty(s, e) for e in s.mass_casualty],
        measures=s.measure_names,
        scaled={m: SCALED[m] for m in s.measure_names if m in SCALED},
        derived=[tuple(s.base_measures.index(term) for term in terms) for terms in s.derived_terms.values()],
    )


def _mass_casualty(s: Scenario, e: MassCasualty) -> MassCasualtySpec:
    """The event compiled; exposed by default: every posture with combat losses."""
    names = list(s.postures)
    exposed = e.postures if e.postures is not None else [n for n, p in s.postures.items() if p.law != "none"]
    prefix = f"mass_casualty.{e.name}"
    return MassCasualtySpec(
        e.name,
        f"{prefix}.per_30_days",
        f"{prefix}.size",
        f"{prefix}.killed",
        tuple(sorted({names.index(n) for n in exposed})),
    )


def _unit_slots(s: Scenario, days: int) -> tuple[list[UnitSlot], dict[str, set[str]]]:
    """The units, reinforcements and rotation replacements as unit slots, with the names that
    phases may call each by."""
    units: list[UnitSlot] = []
    aliases: dict[str, set[str]] = {}
    _add_units(s, s, "", 0, units, aliases)
    # Rotations: the unit (and in turn each replacement) leaves; a replacement arrives later.
    for i, r in enumerate(s.rotations):
        ui = next(k for k, u in enumerate(units) if u.name == r.unit)
        size_path = f"rotations.{i}.size"
        chance = None if r.chance.is_fixed and r.chance.mean == 1.0 else f"rotations.{i}.chance"
        leave = _nominal(r.leave, s.start, nominal_days(s))
        stop = (r.until - s.start).days if r.until else days - 1
        n = 0
        while leave <= stop and leave < days:
            if units[ui].leave is not None and units[ui].leave <= leave:
                break
            units[ui] = dataclasses.replace(units[ui], leave=leave, rotation_chance=chance, rotation=i)
            arrive = leave + r.lead_days
            if arrive >= days:
                break
            n += 1
            name = f"{r.unit}/r{n}"
            units.append(
                UnitSlot(
                    name,
                    size_path,
                    arrive,
                    None,
                    from_reserve=True,
                    rotation_chance=chance,
                    replacement=True,
                    rotation=i,
                )
            )
            aliases[name] = {name, r.unit}
            ui = len(units) - 1
            if r.every_days is None:
                break
            leave = arrive + r.every_days
    return units, aliases


def _add_units(
    s: Scenario, f: Force, prefix: str, side: int, units: list[UnitSlot], aliases: dict[str, set[str]]
) -> None:
    """One side's units and reinforcements as unit slots (reinforcements draw on the reserve,
    which only the force has)."""
    nominal = nominal_days(s)
    for section, group in (("units", f.units), ("reinforcements", f.reinforcements)):
        for u in group:
            path = f"{prefix}{section}.{u.name}"
            units.append(
                UnitSlot(
                    u.name,
                    f"{path}.size",
                    nominal[u.name],
                    from_reserve=section == "reinforcements" and side == 0,
                    when=_day_spec(path, "arrive", u.arrive, u.chance),
                    serves=f"{path}.serves_days" if u.serves_days is not None else None,
                    side=side,
                )
            )
            aliases[u.name] = {u.name}


def _delay(d: Delay | None, path: str) -> DelaySpec | None:
    return None if d is None else DelaySpec(d.min, path)


def _columns(units: list[UnitSlot], entries: list[PhaseEntry]) -> list[int]:
    """On-duty column of each unit slot.  Units the model cannot tell apart once they have
    arrived (the same phases apply to them, never rotated out, not a policy slot) share a
    column, so their casualties are drawn once instead of once per unit."""
    columns: list[int] = []
    shared: dict[tuple[int, ...], int] = {}
    n = 0
    for ui, u in enumerate(units):
        alone = u.leave is not None or u.serves is not None or u.size is None
        if not alone and not any(v.name.startswith(f"{u.name}/r") for v in units):
            key = (u.side, *(e for e, entry in enumerate(entries) if ui in entry.slots))
            if key in shared:
                columns.append(shared[key])
                continue
            shared[key] = n
        columns.append(n)
        n += 1
    return columns


def exact(c: Condition) -> Condition:
    """The condition as the compiled step tests it: one on the force ratio becomes the same
    comparison of ``effective`` with that many times ``opponent.effective`` (exact, where the
    recorded ratio is in thousandths)."""
    if c.measure != FORCE_RATIO:
        return c
    return c.model_copy(update={"measure": "effective", "of": opponent_measure("effective")})


def conditions_of(s: Scenario) -> dict[str, Condition]:
    """Named conditions whose first crossing is tracked: the thresholds, and each claim that
    tests a measure by a date (as ``claim:<id>``), as the compiled step tests them (:func:`exact`)."""
    out = {name: exact(c) for name, c in s.thresholds.items()}
    for c in s.claims:
        if c.holds_if.measure is not None and c.holds_if.on is None:
            out[f"claim:{c.id}"] = exact(c.holds_if.condition())
    return out


def snapshots_of(s: Scenario) -> dict[str, tuple[int, Condition]]:
    """Claims that test a state on a date: claim id -> (day index, condition)."""
    return {
        c.id: ((c.holds_if.on - s.start).days, exact(c.holds_if.condition()))
        for c in s.claims
        if c.holds_if.on is not None
    }
