"""Each replication's own calendar: the days its units arrive and leave, their sizes, and the
days its phases begin.

The compiled daily step (:mod:`sim.kernel`) reads a :class:`Schedule` whose arrays have one row
per replication, so replications may differ in when (and whether: a day of -1 never comes)
things happen.  The event calendar (:class:`sim.engine.Engine`) fires on every day on which any
replication has an event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan import DaySpec, Plan
from .streams import Streams

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
    start_posture: int

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


def schedule_of(plan: Plan, values: dict[str, np.ndarray], streams: Streams) -> Schedule:
    """The plan's calendar for a batch's replications with their drawn parameter ``values``."""
    reps = streams.reps
    drawn = event_days(plan, values, streams)
    slots = len(plan.units)
    arrive = np.full((reps, slots), NEVER, dtype=np.int64)
    leave = np.full((reps, slots), NEVER, dtype=np.int64)
    size = np.zeros((reps, slots), dtype=np.int64)
    for s, u in enumerate(plan.units):
        if u.when is not None:
            arrive[:, s] = drawn[u.name]
        elif u.arrive is not None:
            arrive[:, s] = u.arrive
        if u.leave is not None:
            leave[:, s] = u.leave
        if u.size is not None:
            size[:, s] = np.rint(values[u.size])
    entries = plan.entries
    entry_day = np.tile(np.array([e.day for e in entries], dtype=np.int64), (reps, 1))
    for i, e in enumerate(entries):
        if e.when is not None:
            entry_day[:, i] = drawn[f"phases.{i}"]
    columns = max(plan.column) + 1
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
        plan.start_posture,
    )
