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

from .plan import Plan

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


def schedule_of(plan: Plan, values: dict[str, np.ndarray], reps: int) -> Schedule:
    """The plan's calendar for ``reps`` replications with their drawn parameter ``values``."""
    slots = len(plan.units)
    arrive = np.full((reps, slots), NEVER, dtype=np.int64)
    leave = np.full((reps, slots), NEVER, dtype=np.int64)
    size = np.zeros((reps, slots), dtype=np.int64)
    for s, u in enumerate(plan.units):
        if u.arrive is not None:
            arrive[:, s] = u.arrive
        if u.leave is not None:
            leave[:, s] = u.leave
        if u.size is not None:
            size[:, s] = np.rint(values[u.size])
    entries = plan.entries
    entry_day = np.tile(np.array([e.day for e in entries], dtype=np.int64), (reps, 1))
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
