"""Each replication's own calendar: the days its units arrive and leave, their sizes, the
days its phases begin, and the people its mass-casualty events hit, event after event.

The compiled daily step (:mod:`sim.kernel`) reads a :class:`Schedule` whose arrays have one row
per replication, so replications may differ in when (and whether: a day of -1 never comes)
things happen.  The event calendar (:class:`sim.engine.Engine`) fires on every day on which any
replication has an event.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from .domains import domain_of
from .plan import DaySpec, Plan
from .streams import Streams, param_keys

NEVER = -1


@dataclass
class Schedule:
    """Per-replication event days (``NEVER``: not in this run) and the phases' fixed parts."""

    arrive: np.ndarray  # (reps, slots) day each unit slot arrives
    leave: np.ndarray  # (reps, slots) day each unit slot leaves
    size: np.ndarray  # (reps, slots) people each unit slot brings
    entry_day: np.ndarray  # (reps, phases) day each phase entry begins
    entry_posture: np.ndarray  # (phases,) posture index
    entry_specific: np.ndarray  # (phases,) 1 when the phase names units
    applies: np.ndarray  # (phases, columns) the phase applies to the on-duty column
    start_posture: np.ndarray  # (columns,) posture index of each on-duty column before any phase
    hit_sizes: np.ndarray  # (reps, mass-casualty events, K) people hit by each replication's events in turn
    policy_on: np.ndarray  # (reps, policies) the policy is in force in the replication

    def kernel_tuple(self) -> tuple:
        return (
            self.arrive,
            self.leave,
            self.size,
            self.entry_day,
            self.entry_posture,
            self.entry_specific,
            self.applies,
            self.start_posture,
        )

    def event_days(self, days: int) -> list[int]:
        """Days of the run on which any replication has an arrival, a departure or a phase."""
        every = np.concatenate([self.arrive.ravel(), self.leave.ravel(), self.entry_day.ravel()])
        return [int(d) for d in np.unique(every) if 0 <= d < days]


def _occurs(streams: Streams, path: str, chance: np.ndarray) -> np.ndarray:
    """Whether each replication's event happens: a uniform draw of its own stream below the
    replication's chance."""
    u = streams.param(f"{path}?", lambda rng, n: rng.random(n))
    return u < chance


def event_days(plan: Plan, values: dict[str, np.ndarray], streams: Streams) -> dict[str, np.ndarray]:
    """Each replication's day of every event that may differ between replications (unit slots'
    arrivals by slot name, phases' starts as ``phases.<index>``): ``NEVER`` when it does not
    happen, or when the event it follows does not."""
    reps = streams.reps
    events: list[tuple[str, str | None, int, DaySpec]] = [
        (u.name, u.name, u.arrive, u.when) for u in plan.units if u.when is not None
    ]
    events += [(f"phases.{i}", e.name, e.day, e.when) for i, e in enumerate(plan.entries) if e.when is not None]
    events += [(f"rotations.{i}", None, day, spec) for i, (day, spec) in enumerate(plan.rotations) if spec is not None]
    known: dict[str, np.ndarray] = {u.name: np.full(reps, u.arrive) for u in plan.units if u.when is None}
    known |= {e.name: np.full(reps, e.day) for e in plan.entries if e.name and e.when is None}
    out: dict[str, np.ndarray] = {}
    while len(out) < len(events):  # in dependency order (the rules refuse unknown names and cycles)
        progress = False
        for key, name, day, spec in events:
            if key in out or (spec.after is not None and spec.after not in known):
                continue
            if spec.after is not None:
                base = known[spec.after]
                days = np.where(base == NEVER, NEVER, base + np.rint(values[spec.param]).astype(np.int64))
            elif spec.param is not None:
                days = np.rint(values[spec.param]).astype(np.int64)
            else:
                days = np.full(reps, day, dtype=np.int64)
            if spec.chance is not None:
                days = np.where(_occurs(streams, spec.chance, values[spec.chance]), days, NEVER)
            out[key] = days
            if name is not None:
                known[name] = days
            progress = True
        if not progress:
            raise ValueError(
                f"dates given after events that never come first: {sorted(set(k for k, *_ in events) - set(out))}"
            )
    return out


def hit_sizes(plan: Plan, values: dict[str, np.ndarray], streams: Streams, given: Collection[str] = ()) -> np.ndarray:
    """People hit by each mass-casualty event of each replication, in the order the events come:
    ``(reps, events, K)`` whole numbers, drawn per event from the size's distribution on its
    field's domain, from a stream of its own (``<size path>#events``).

    ``K`` is the number of days when that few cannot run out, otherwise the batch's largest
    expected number of events over the run plus eight standard deviations and eight more, so
    that a replication has more events than sizes with negligible probability (its further
    events reuse the last).  The sizes are drawn event by event across the block's
    replications, so a longer store only adds sizes after those of a shorter one: the sizes a
    run uses do not depend on ``K``, nor on how replications are batched.  A fixed size, or one
    ``given`` per replication (a sweep point, a posterior row), is the same for every event of
    the replication (``K`` is then 1).
    """
    reps, specs = streams.reps, plan.mass_casualty
    if not specs:
        return np.zeros((reps, 0, 1), dtype=np.int64)
    param_keys([*plan.param_paths(), *(f"{e.size}#events" for e in specs)])
    stores = []
    for e in specs:
        p = plan.params[e.size]
        if e.size in given or p.is_fixed:
            stores.append(np.rint(values[e.size]).astype(np.int64)[:, None])
            continue
        expected = plan.days * min(float(np.max(values[e.rate])) / 30.0, 1.0)
        k = max(1, min(plan.days, math.ceil(expected + 8.0 * math.sqrt(expected) + 8.0)))
        low, high, _ = domain_of(e.size)

        def draw(rng: np.random.Generator, n: int, p=p, k=k, low=low, high=high) -> np.ndarray:
            return p.sample(rng, n * k, low, high).reshape(k, n).T

        stores.append(np.rint(streams.param(f"{e.size}#events", draw)).astype(np.int64))
    width = max(x.shape[1] for x in stores)
    out = np.empty((reps, len(specs), width), dtype=np.int64)
    for i, x in enumerate(stores):
        out[:, i, : x.shape[1]] = x
        out[:, i, x.shape[1] :] = x[:, -1:]  # a shorter store: its last size, as when one runs out
    return out


def schedule_of(plan: Plan, values: dict[str, np.ndarray], streams: Streams, given: Collection[str] = ()) -> Schedule:
    """The plan's calendar for a batch's replications with their drawn parameter ``values``
    (``given``: the paths whose values were given per replication rather than drawn)."""
    reps = streams.reps
    drawn = event_days(plan, values, streams)
    slots = len(plan.units)
    arrive = np.full((reps, slots), NEVER, dtype=np.int64)
    leave = np.full((reps, slots), NEVER, dtype=np.int64)
    size = np.zeros((reps, slots), dtype=np.int64)
    rotates: dict[str, np.ndarray] = {}  # chance path -> whether the rotation happens
    for s, u in enumerate(plan.units):
        if u.when is not None:
            arrive[:, s] = drawn[u.name]
        elif u.arrive is not None:
            arrive[:, s] = u.arrive
        if u.leave is not None:
            leave[:, s] = u.leave
        elif u.serves is not None:  # a term of service, from the replication's own arrival day
            term = np.rint(values[u.serves]).astype(np.int64)
            leave[:, s] = np.where(arrive[:, s] == NEVER, NEVER, arrive[:, s] + term)
        if u.rotation is not None and plan.rotations[u.rotation][1] is not None:  # an uncertain leave day
            nominal, _ = plan.rotations[u.rotation]
            day = drawn[f"rotations.{u.rotation}"]
            shift = day - nominal
            if u.leave is not None:
                leave[:, s] = np.where(day == NEVER, NEVER, leave[:, s] + shift)
            if u.replacement:
                arrive[:, s] = np.where(day == NEVER, NEVER, arrive[:, s] + shift)
        if u.rotation_chance is not None:  # the rotation happens in some replications only
            if u.rotation_chance not in rotates:
                rotates[u.rotation_chance] = _occurs(streams, u.rotation_chance, values[u.rotation_chance])
            happens = rotates[u.rotation_chance]
            leave[:, s] = np.where(happens, leave[:, s], NEVER)
            if u.replacement:
                arrive[:, s] = np.where(happens, arrive[:, s], NEVER)
        if u.size is not None:
            size[:, s] = np.rint(values[u.size])
    entries = plan.entries
    entry_day = np.tile(np.array([e.day for e in entries], dtype=np.int64), (reps, 1))
    for i, e in enumerate(entries):
        if e.when is not None:
            entry_day[:, i] = drawn[f"phases.{i}"]
    columns = max(plan.column) + 1
    start = np.zeros(columns, dtype=np.int64)
    for u, c in zip(plan.units, plan.column, strict=True):
        start[c] = plan.sides[u.side].start_posture
    applies = np.zeros((len(entries), columns), dtype=np.bool_)
    for e, entry in enumerate(entries):
        for s in entry.slots:
            applies[e, plan.column[s]] = True
    return Schedule(
        arrive,
        leave,
        size,
        entry_day.reshape(reps, len(entries)),
        np.array([e.posture for e in entries], dtype=np.int64),
        np.array([e.specific for e in entries], dtype=np.int64),
        applies,
        start,
        hit_sizes(plan, values, streams, given),
        np.stack(
            [
                np.ones(reps, dtype=bool) if p.chance is None else _occurs(streams, p.chance, values[p.chance])
                for p in plan.policies
            ],
            axis=1,
        )
        if plan.policies
        else np.zeros((reps, 0), dtype=bool),
    )
