"""The scenario's rules across fields, and validating raw data into a :class:`Scenario`.

A field's own rules (types, domains, one comparison per condition) are checked where it is
declared; the rules here span fields: dates in order and inside the run, names unique and
referring to things that exist, shares of one whole not summing past 1, claims' deadlines
inside the run.  Each rule is one function of a section, returning ``(field path, rule)``
pairs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from .conditions import Claim, Condition, deadline
from .errors import InputError
from .fields import MAX_DAYS, MAX_REPS
from .params import Param
from .scenario import FORCE_RATIO, Force, Scenario, Tie
from .yamlfile import line_of, validation_error

Errors = list[tuple[str, str]]


def check_rules(s: Scenario) -> Errors:
    """Rules that span fields.  Returns ``(field path, rule)`` pairs, empty when all hold."""
    return [err for rule in _RULES for err in rule(s)]


def _between_start_and_end(s: Scenario) -> str:
    return f"must lie between start and end ({s.start}..{s.end})"


def _check_span(s: Scenario) -> Errors:
    errs = []
    if s.end <= s.start:
        errs.append(("end", f"must be after start ({s.start})"))
    if s.days > MAX_DAYS:
        errs.append(("end", f"the run may span at most {MAX_DAYS} days"))
    return errs


def _check_measures(s: Scenario) -> Errors:
    """Derived measures: a name of their own (not a built-in measure's, not a peak's), and a sum
    of one or more built-in measures (counts of people: not the force ratio)."""
    errs = []
    counts = [m for m in s.base_measures if m != FORCE_RATIO]
    for name, terms in s.derived_terms.items():
        path = f"measures.{name}"
        if name in s.base_measures:
            errs.append((path, f"{name!r} is a built-in measure; give the derived measure another name"))
        elif name.startswith("peak_"):
            errs.append((path, "a measure's name must not start with peak_ (peak_<measure> is its running peak)"))
        if not any(terms):
            errs.append((path, "give at least one term: built-in measures written a + b + c"))
        elif not all(terms):
            errs.append((path, "a term is missing: write built-in measures as a + b + c"))
        for term in terms:
            if not term or term in counts:
                continue
            if term in s.measures:
                errs.append((path, f"{term!r} is a derived measure; the terms must be built-in measures"))
            elif term == FORCE_RATIO:
                errs.append((path, f"{FORCE_RATIO} is a ratio, not a count of people; it cannot be a term"))
            else:
                errs.append((path, f"unknown term {term!r}; terms are built-in measures ({', '.join(counts)})"))
    return errs


def _check_units(s: Scenario) -> Errors:
    errs = []
    names: set[str] = set()
    for prefix, force in s.forces:
        for section, units in (("units", force.units), ("reinforcements", force.reinforcements)):
            for i, u in enumerate(units):
                if u.name in names:
                    errs.append((f"{prefix}{section}.{i}.name", f"unit name {u.name!r} is used twice"))
                names.add(u.name)
    return errs + _check_dates(s)


def event_ranges(s: Scenario) -> dict[str, tuple[int, int]]:
    """Earliest and latest day index of every event a date may follow (units' arrivals, named
    phases' starts, of either side) whose date can be worked out (not after an unknown event or
    in a cycle)."""
    events = {u.name: u.arrive for u in s.every_unit} | {ph.name: ph.from_ for ph in s.named_phases}
    known: dict[str, tuple[int, int]] = {}
    for _ in range(len(events) + 1):
        for name, when in events.items():
            if name not in known and (found := when.day_range(s.start, known)) is not None:
                known[name] = found
    return known


def _check_dates(s: Scenario) -> Errors:
    """Every date, certain or not, lies in the run; a relative date follows a known event, and no
    chain of them comes back to itself."""
    errs = []
    known = event_ranges(s)
    events = {u.name for u in s.every_unit} | {ph.name for ph in s.named_phases}
    dated = [
        (f"{pre}{sec}.{i}.arrive", u.arrive)
        for pre, f in s.forces
        for sec, us in (("units", f.units), ("reinforcements", f.reinforcements))
        for i, u in enumerate(us)
    ]
    dated += [(f"{pre}phases.{i}.from", ph.from_) for pre, f in s.forces for i, ph in enumerate(f.phases)]  # fmt: skip
    last = (s.end - s.start).days
    for field, when in dated:
        found = when.day_range(s.start, known)
        if found is None:
            if when.after not in events:
                errs.append((f"{field}.after", f"no unit or named phase called {when.after!r}"))
            else:
                errs.append((f"{field}.after", f"{when.after!r} is dated after this event in turn (a cycle)"))
        elif found[0] < 0 or found[1] > last:
            span = (
                ""
                if when.is_fixed
                else f" (this one may fall on day {found[0]} to {found[1]}; the run has 0 to {last})"
            )
            errs.append((field, _between_start_and_end(s) + span))
    return errs


def _check_policies(s: Scenario) -> Errors:
    errs = []
    names = {u.name for u in s.every_unit}
    for i, p in enumerate(s.policy):
        if p.name in names:
            errs.append((f"policy.{i}.name", f"name {p.name!r} is already a unit's"))
        names.add(p.name)
        errs += _check_condition(p.when, f"policy.{i}.when", s)
    for i, f in enumerate(s.recruitment):
        if f.name in names:
            errs.append((f"recruitment.{i}.name", f"name {f.name!r} is already a unit's or a policy's"))
        names.add(f.name)
        if not s.start <= f.from_ <= s.end:
            errs.append((f"recruitment.{i}.from", _between_start_and_end(s)))
        if f.until is not None and f.until < f.from_:
            errs.append((f"recruitment.{i}.until", "must not be before from"))
    return errs


def _check_postures(s: Scenario) -> Errors:
    own = {p.name for p in s.policy} | {f.name for f in s.recruitment}
    return [err for prefix, f in s.forces for err in _force_postures(f, s, prefix, own if not prefix else set())]


def _force_postures(f: Force, s: Scenario, prefix: str, more_names: set[str]) -> Errors:
    """One side's postures and phases: a phase names a posture and units of that side; a tied
    rate multiplies a rate of the same side; a Lanchester law has an opponent to face."""
    errs = []
    known = ", ".join(f.postures)
    if f.initial_posture is not None and f.initial_posture not in f.postures:
        errs.append((f"{prefix}initial_posture", f"{f.initial_posture!r} is not among postures ({known})"))
    names = {u.name for u in f.all_units} | more_names
    for i, ph in enumerate(f.phases):
        if ph.posture not in f.postures:
            errs.append((f"{prefix}phases.{i}.posture", f"{ph.posture!r} is not among postures ({known})"))
        for j, u in enumerate(ph.units or []):
            if u not in names:
                side = " of the opponent" if prefix else ""
                errs.append((f"{prefix}phases.{i}.units.{j}", f"no unit{side} named {u!r}"))
    for name, p in f.postures.items():
        if p.lanchester is not None and s.opponent is None:
            errs.append((f"{prefix}postures.{name}.lanchester", "a Lanchester law needs an opponent (give `opponent`)"))
        tie = p.daily_rate
        if isinstance(tie, Tie):
            field = f"{prefix}postures.{name}.daily_rate"
            base = f.postures.get(tie.of)
            if base is None:
                errs.append((f"{field}.of", f"{tie.of!r} is not among postures ({known})"))
            elif not isinstance(base.daily_rate, Param):
                errs.append((f"{field}.of", f"posture {tie.of!r} gives no daily_rate of its own to multiply"))
            elif base.daily_rate.support(0.0, 1.0)[1] * tie.times.support(0.0, 1000.0)[1] > 1.0:
                errs.append((f"{field}.times", f"times the rate of {tie.of!r} could exceed 1"))
    return errs


def _check_rotations(s: Scenario) -> Errors:
    errs = []
    arrivals = event_ranges(s)
    names = {u.name for u in s.all_units}
    for i, r in enumerate(s.rotations):
        if r.unit not in names:
            errs.append((f"rotations.{i}.unit", f"no unit named {r.unit!r}"))
        elif any(u.name == r.unit and u.serves_days is not None for u in s.all_units):
            errs.append((f"rotations.{i}.unit", f"unit {r.unit!r} serves a term (serves_days): it is not also rotated"))
            continue
        leave = r.leave.day_range(s.start, arrivals)
        if leave is None:
            errs.append((f"rotations.{i}.leave.after", f"no unit or named phase called {r.leave.after!r}"))
            continue
        if r.unit in arrivals and leave[0] < arrivals[r.unit][1]:
            latest = s.start + dt.timedelta(days=arrivals[r.unit][1])
            errs.append((f"rotations.{i}.leave", f"must not be before unit {r.unit!r} arrives ({latest})"))
        if leave[0] < 0 or leave[1] > (s.end - s.start).days:
            errs.append((f"rotations.{i}.leave", _between_start_and_end(s)))
        if r.until is not None and (r.until - s.start).days < leave[1]:
            errs.append((f"rotations.{i}.until", "must not be before leave"))
    return errs


def _check_mass_casualty(s: Scenario) -> Errors:
    errs = []
    names: set[str] = set()
    for i, e in enumerate(s.mass_casualty):
        if e.name in names:
            errs.append((f"mass_casualty.{i}.name", f"event name {e.name!r} is used twice"))
        names.add(e.name)
        for j, p in enumerate(e.postures or []):
            if p not in s.postures:
                errs.append(
                    (f"mass_casualty.{i}.postures.{j}", f"{p!r} is not among postures ({', '.join(s.postures)})")
                )
    return errs


def _check_shares(s: Scenario) -> Errors:
    errs = []
    for prefix, f in s.forces:
        c = f.casualties
        if c.wounded is None:
            if c.killed.support(0.0, 1.0)[1] + c.missing.support(0.0, 1.0)[1] > 1 + 1e-9:
                errs.append((f"{prefix}casualties", "killed + missing must not exceed 1 (wounded is the rest)"))
        elif not (c.killed.is_fixed and c.missing.is_fixed and c.wounded.is_fixed):
            errs.append(
                (f"{prefix}casualties.wounded", "leave wounded out when a share is a distribution (it is the rest)")
            )
        elif abs(c.killed.mean + c.missing.mean + c.wounded.mean - 1) > 1e-6:
            total = c.killed.mean + c.missing.mean + c.wounded.mean
            errs.append((f"{prefix}casualties", f"killed + missing + wounded must sum to 1 (got {total:g})"))
        w = f.wounded
        if w.return_to_duty.support(0.0, 1.0)[1] + w.died_of_wounds.support(0.0, 1.0)[1] > 1 + 1e-9:
            errs.append(
                (f"{prefix}wounded", "return_to_duty + died_of_wounds must not exceed 1 (the rest is evacuated)")
            )
    return errs


def _check_thresholds(s: Scenario) -> Errors:
    return [err for name, cond in s.thresholds.items() for err in _check_condition(cond, f"thresholds.{name}", s)]


def _check_claims(s: Scenario) -> Errors:
    errs = []
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
            errs += _check_condition(t.condition(), path, s)
        for key in ("by", "on", "from_"):
            d = getattr(t, key)
            if d is not None and not s.start <= d <= s.end:
                errs.append((f"{path}.{key.rstrip('_')}", _between_start_and_end(s)))
        errs += _check_within(c, s, path)
    return errs


#: The rules, in the order their errors are reported (the first one is the message).
_RULES = (
    _check_span,
    _check_units,
    _check_measures,
    _check_policies,
    _check_postures,
    _check_rotations,
    _check_mass_casualty,
    _check_shares,
    _check_thresholds,
    _check_claims,
)


def _check_within(c: Claim, s: Scenario, path: str) -> Errors:
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


def _reference_ok(name: str, s: Scenario) -> bool:
    names = s.measure_names
    return name in names or (name.startswith("peak_") and name[5:] in names)


def _check_condition(cond: Condition, path: str, s: Scenario) -> Errors:
    errs = []
    names = s.measure_names
    if cond.measure not in names:
        errs.append((f"{path}.measure", f"unknown measure {cond.measure!r}; allowed: {', '.join(names)}"))
    if cond.of is not None and not _reference_ok(cond.of, s):
        errs.append((f"{path}.of", f"unknown reference {cond.of!r}; a measure or peak_<measure>"))
    elif cond.of is not None and FORCE_RATIO in (cond.measure, cond.of, cond.of[5:]):
        errs.append((f"{path}.of", f"{FORCE_RATIO} is a ratio already: compare it with a number, without `of`"))
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


#: A per-person daily rate above this looks like a percentage, or a weekly or monthly figure.
DAILY_RATE_WARNING = 0.1


def warnings_of(s: Scenario) -> list[tuple[str, str]]:
    """Values that are allowed but look like slips, as ``(field path, why)`` pairs: a per-person
    daily rate above :data:`DAILY_RATE_WARNING` (a tenth of those on duty hit every day)."""
    out = []
    for prefix, f in s.forces:
        for name, p in f.postures.items():
            for key in ("daily_rate", "disease_rate"):
                rate = getattr(p, key)
                top = rate.support(0.0, 1.0)[1] if isinstance(rate, Param) else 0.0
                if top > DAILY_RATE_WARNING:
                    why = (
                        f"{top:g} a day hits {top:.0%} of those on duty every day; a per-person daily rate is a "
                        "probability a day, usually well below 0.01 (is it a percentage, or a weekly figure?)"
                    )
                    out.append((f"{prefix}postures.{name}.{key}", why))
    return out
