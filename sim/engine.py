"""The model: a simpy discrete-event simulation on a daily clock, vectorised across replications.

One :class:`Engine` runs a batch of replications of a compiled :class:`~sim.plan.Plan` in lock
step.  Scheduled events (arrivals, phase changes, rotations, policy-triggered reinforcements)
are simpy processes; the daily casualty process draws every replication's casualties with one
numpy call per flow, each posture's by its loss law (:mod:`sim.laws`).

Random numbers come from one ``SeedSequence``: replications are grouped in fixed blocks of
:data:`~sim.streams.BLOCK` (replication ``i`` is in block ``i // BLOCK``), each block with its
own child streams (:class:`~sim.streams.Streams`).  A batch is any set of whole blocks, so results do
not depend on how replications are split into batches, processes or machines.

Time: events at day ``d`` happen at simulation time ``d`` (the start of the day); the daily
step of day ``d`` runs at ``d + 0.5`` and records the day's closing measures.

Every person who arrived is, at the end of every day, in exactly one place: on duty,
wounded in care, sick in care, killed, died of wounds, evacuated, missing or rotated out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import simpy

from .draws import draw_params
from .measures import Crossings, Peaks, Recorder, compare, peak_names, reference
from .plan import Plan
from .streams import Streams


def _share_of_rest(share: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """``share`` of the whole as a share of what ``taken`` leaves (0 where it leaves nobody)."""
    rest = 1 - taken
    out = np.divide(share, rest, out=np.zeros_like(share, dtype=float), where=rest > 0)
    # The two shares sum to at most 1 (checked when drawn); this only absorbs round-off.
    return np.minimum(out, 1.0)


class Engine:
    """One batch of replications, in lock step.

    Parameters
    ----------
    plan : Plan
        The compiled scenario.
    seed : int
        The run's seed.
    blocks : sequence of (int, int)
        The blocks of replications in this batch (see :func:`sim.streams.blocks_for`).
    recorders : sequence of Recorder
        Each gets every day's measures.
    values : dict, optional
        Parameter values per replication that replace draws (by field path).
    on_day : callable, optional
        Called with the day index after each day (progress bars).
    """

    def __init__(
        self,
        plan: Plan,
        seed: int,
        blocks: Sequence[tuple[int, int]],
        recorders: Sequence[Recorder] = (),
        values: dict[str, np.ndarray] | None = None,
        on_day: Callable[[int], None] | None = None,
    ):
        self.plan = plan
        self.streams = Streams(seed, blocks)
        reps = self.reps = self.streams.reps
        # On-duty columns: units the model cannot tell apart share one (see plan._columns).
        self.column_of = plan.column
        self.n_columns = max(plan.column) + 1
        first_unit = [plan.column.index(c) for c in range(self.n_columns)]
        self.column_posture = plan.posture_of[first_unit]
        self.recorders = list(recorders)
        self.on_day = on_day
        draws = self.draws = draw_params(plan, self.streams, values)
        # People, by place.  All counts are int64.
        self.on_duty = np.zeros((reps, self.n_columns), dtype=np.int64)
        # Care is contingent-wide, one delay line per replication.
        self.wound_care = plan.recovery.start(reps, draws.values, self.streams)
        self.sick_care = plan.sick_recovery.start(reps, draws.values, self.streams)
        # Wounded who will die of wounds, or be evacuated, after a delay (None: same day).
        self.dying = plan.dying.start(reps, draws.values, self.streams) if plan.dying else None
        self.leaving = plan.evacuation.start(reps, draws.values, self.streams) if plan.evacuation else None
        self.arrived, self.killed, self.wounded, self.missing = (np.zeros(reps, dtype=np.int64) for _ in range(4))
        self.died_of_wounds, self.evacuated, self.returned, self.rotated_out = (
            np.zeros(reps, dtype=np.int64) for _ in range(4)
        )
        self.present = np.zeros(self.n_columns, dtype=bool)  # a unit in the column has arrived and not left
        self.law_state = [law.start(reps) for law in plan.laws]
        # Parameters as the flows use them.
        # Every value lies in its field's domain (see draw_params): nothing to clip.
        self.killed_share = draws["casualties.killed"]
        self.missing_share = _share_of_rest(draws["casualties.missing"], self.killed_share)
        self.rtd_share = draws["wounded.return_to_duty"]
        self.dow_share = _share_of_rest(draws["wounded.died_of_wounds"], self.rtd_share)
        self.sick_rate = draws["disease.daily_rate"][:, None]
        self.sick_any = bool((self.sick_rate > 0).any())
        self.sick_return = draws["disease.return_to_duty"]
        self.reserve = np.rint(draws[plan.reserve]).astype(np.int64) if plan.reserve else None
        # Policy state, by policy.
        self.send = [np.rint(draws[pol.send]).astype(np.int64) for pol in plan.policies]
        self.in_transit = [np.zeros(reps, dtype=bool) for _ in plan.policies]
        self.sent_times = [np.zeros(reps, dtype=np.int64) for _ in plan.policies]
        conds = [
            *plan.conditions.values(),
            *(c for _, c in plan.snapshots.values()),
            *(pol.when for pol in plan.policies),
        ]
        self.peaks = Peaks(peak_names(conds), reps)
        self.crossings = Crossings(plan.conditions, reps, self.peaks)
        self.holds_on: dict[str, np.ndarray] = {}  # claim id -> holds on its date, per replication
        self.posture_now = self.column_posture[:, 0].copy()
        self.groups: list[tuple[int, np.ndarray]] = []
        self.present_idx = np.zeros(0, dtype=np.int64)
        self.env = simpy.Environment()

    def _take_reserve(self, wanted: np.ndarray) -> np.ndarray:
        if self.reserve is None:
            return wanted
        got = np.minimum(wanted, self.reserve)
        self.reserve -= got
        return got

    # -- scheduled events ------------------------------------------------------------------
    def _at(self, when: float, action: Callable[[], None]):
        yield self.env.timeout(when - self.env.now)
        action()

    def _arrive(self, ui: int) -> None:
        unit = self.plan.units[ui]
        size = np.rint(self.draws[unit.size]).astype(np.int64)
        if unit.from_reserve:
            size = self._take_reserve(size)
        self.on_duty[:, self.column_of[ui]] += size
        self.arrived += size
        self.present[self.column_of[ui]] = True
        self._regroup()

    def _leave(self, ui: int) -> None:
        c = self.column_of[ui]  # a unit that leaves has a column of its own
        self.rotated_out += self.on_duty[:, c]
        self.on_duty[:, c] = 0
        self.present[c] = False
        self._regroup()

    def _phase(self, day: int) -> None:
        self.posture_now = self.column_posture[:, day].copy()
        self._regroup()

    def _policy_arrival(self, i: int, amount: np.ndarray, mask: np.ndarray) -> None:
        self.on_duty[:, self.column_of[self.plan.policies[i].slot]] += amount
        self.arrived += amount
        self.in_transit[i][mask] = False
        self.sent_times[i][mask] += 1

    def _regroup(self) -> None:
        """Units present in each posture whose law causes losses (recomputed on events only)."""
        groups = []
        for pi, law in enumerate(self.plan.laws):
            if not law.causes_losses:
                continue
            idx = np.flatnonzero(self.present & (self.posture_now == pi))
            if idx.size:
                groups.append((pi, idx))
        self.groups = groups
        self.present_idx = np.flatnonzero(self.present)

    def _schedule(self) -> None:
        env = self.env
        for ui, u in enumerate(self.plan.units):
            if u.arrive is not None:
                env.process(self._at(u.arrive, lambda ui=ui: self._arrive(ui)))
            if u.leave is not None:
                env.process(self._at(u.leave, lambda ui=ui: self._leave(ui)))
        for d in self.plan.phase_days:
            env.process(self._at(d, lambda d=d: self._phase(d)))
        for pol in self.plan.policies:
            self.present[self.column_of[pol.slot]] = True
        self._regroup()
        env.process(self._daily())

    # -- the daily process -----------------------------------------------------------------
    def _daily(self):
        yield self.env.timeout(0.5)
        for day in range(self.plan.days):
            self.step(day)
            if self.on_day is not None:
                self.on_day(day)
            yield self.env.timeout(1)

    def _combat_losses(self) -> np.ndarray:
        """Casualties of the day per replication and on-duty column, by each posture's loss law."""
        hit = np.zeros_like(self.on_duty)
        laws, values = self.plan.laws, self.draws.values
        for pi, idx in self.groups:
            hit[:, idx] = laws[pi].draw(self.on_duty[:, idx], values, self.streams, self.law_state[pi])
        return hit

    def step(self, day: int) -> None:
        """One day: returns from care, combat losses and their split, disease, policy, records."""
        # Returns from care happen first: today's wounded are not back today.
        returning = self.wound_care.leave(day) + self.sick_care.leave(day)
        if returning.any():
            self._return_to_duty(returning)
        # Leaving care for good.
        if self.dying is not None:
            self.died_of_wounds += self.dying.leave(day)
        if self.leaving is not None:
            self.evacuated += self.leaving.leave(day)
        hit = self._combat_losses()
        total = hit.sum(axis=1)
        if total.any():
            self.on_duty -= hit
            self._casualties(day, total)
        if self.sick_any:
            self._disease(day)
        m = self.measures()
        self.peaks.update(m)
        self._policy(day, m)
        self.crossings.update(day, m)
        for cid, (d, cond) in self.plan.snapshots.items():
            if d == day:
                self.holds_on[cid] = compare(m[cond.measure], cond.comparison, reference(cond, m, self.peaks))
        for rec in self.recorders:
            rec.record(day, m)

    def _casualties(self, day: int, total: np.ndarray) -> None:
        """Split the day's combat casualties into killed, missing and wounded; the wounded by fate."""
        streams = self.streams
        killed = streams.binomial(total, self.killed_share)
        rest = total - killed
        missing = streams.binomial(rest, self.missing_share)
        wounded = rest - missing
        rtd = streams.binomial(wounded, self.rtd_share)
        rest = wounded - rtd
        dow = streams.binomial(rest, self.dow_share)
        evac = rest - dow
        self.killed += killed
        self.missing += missing
        self.wounded += wounded
        self.wound_care.enter(day, rtd)
        if self.dying is None:
            self.died_of_wounds += dow
        else:
            self.dying.enter(day, dow)
        if self.leaving is None:
            self.evacuated += evac
        else:
            self.leaving.enter(day, evac)

    def _disease(self, day: int) -> None:
        """Disease and non-battle injury, among everyone on duty in present units."""
        cols = self.present_idx
        sick = self.streams.binomial(self.on_duty[:, cols], self.sick_rate)
        if sick.any():
            self.on_duty[:, cols] -= sick
            sick = sick.sum(axis=1)
            recover = self.streams.binomial(sick, self.sick_return)
            self.sick_care.enter(day, recover)
            self.evacuated += sick - recover

    def _return_to_duty(self, returning: np.ndarray) -> None:
        """Recovered people rejoin the present unit with the most people on duty (a pooled
        replacement system); with no unit left they go home with the rest (rotated out)."""
        self.returned += returning
        if not self.present.any():
            self.rotated_out += returning
            return
        duty = np.where(self.present, self.on_duty, -1)
        self.on_duty[np.arange(self.reps), duty.argmax(axis=1)] += returning

    def _policy(self, day: int, m: dict[str, np.ndarray]) -> None:
        for i, pol in enumerate(self.plan.policies):
            cond = pol.when
            holds = compare(m[cond.measure], cond.comparison, reference(cond, m, self.peaks))
            go = holds & ~self.in_transit[i] & (m["arrived"] > 0)
            if pol.max_times is not None:
                go &= self.sent_times[i] < pol.max_times
            if not go.any():
                continue
            amount = self._take_reserve(np.where(go, self.send[i], 0))
            go &= amount > 0
            if not go.any():
                continue
            self.in_transit[i] |= go
            when = day + pol.delay_days
            if when < self.plan.days:
                self.env.process(self._at(when, lambda i=i, a=amount, g=go: self._policy_arrival(i, a, g)))

    def measures(self) -> dict[str, np.ndarray]:
        """The day's closing measures, each an array over replications."""
        wounded_in_care = self.wound_care.total()
        for waiting in (self.dying, self.leaving):
            if waiting is not None:
                wounded_in_care = wounded_in_care + waiting.total()
        casualties = self.killed + self.wounded + self.missing
        return {
            "arrived": self.arrived,
            "deployed": self.arrived - self.rotated_out,
            "effective": self.on_duty.sum(axis=1),
            "wounded_in_care": wounded_in_care,
            "sick_in_care": self.sick_care.total(),
            "killed": self.killed,
            "wounded": self.wounded,
            "missing": self.missing,
            "casualties": casualties,
            "died_of_wounds": self.died_of_wounds,
            "evacuated": self.evacuated,
            "permanent_losses": self.killed + self.died_of_wounds + self.evacuated + self.missing,
            "returned_to_duty": self.returned,
            "rotated_out": self.rotated_out,
        }

    def run(self) -> Engine:
        """Run every day; afterwards ``crossings.first`` holds the first-crossing days."""
        self._schedule()
        self.env.run(until=self.plan.days)
        return self
