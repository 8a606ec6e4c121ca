"""The model: a simpy discrete-event simulation on a daily clock, vectorised across replications.

One :class:`Engine` runs a batch of replications in lock step.  Scheduled events (arrivals,
phase changes, rotations, policy-triggered reinforcements) are simpy processes; the daily
casualty process draws every replication's casualties with one numpy call per flow.

Random numbers come from one ``SeedSequence``: replications are grouped in fixed blocks of
:data:`BLOCK` (replication ``i`` is in block ``i // BLOCK``), each block with its own child
streams (``spawn_key=(block, ...)``).  A batch is any set of whole blocks, so results do not
depend on how replications are split into batches, processes or machines.

Time: events at day ``d`` happen at simulation time ``d`` (the start of the day); the daily
step of day ``d`` runs at ``d + 0.5`` and records the day's closing measures.

Every person who arrived is, at the end of every day, in exactly one place: on duty,
wounded in care, sick in care, killed, died of wounds, evacuated, missing or rotated out.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from .domains import check_values, domain_of
from .measures import Crossings, Peaks, Recorder, compare, peak_names, reference
from .plan import Plan, conditions_of, snapshots_of
from .streams import daily, param_key, param_keys, parameter

#: Replications per random-number block (the unit of reproducibility).
BLOCK = 1000


def blocks_for(reps: int) -> list[tuple[int, int]]:
    """``(block index, replications in it)`` for ``reps`` replications."""
    return [(b, min(BLOCK, reps - b * BLOCK)) for b in range(-(-reps // BLOCK))]


class Streams:
    """Random streams for a batch of blocks; draws for block ``b`` come only from its streams."""

    def __init__(self, seed: int, blocks: Sequence[tuple[int, int]]):
        self.seed = seed
        self.blocks = list(blocks)
        self.rngs = [daily(seed, b) for b, _ in blocks]
        edges = np.cumsum([0] + [n for _, n in blocks])
        self.slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]
        self.reps = int(edges[-1])

    def param(self, path: str, draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
        """A per-replication parameter, from a stream named by its path (common random
        numbers: the same path draws the same values in any scenario with the same seed)."""
        key = param_key(path)
        return np.concatenate([draw(parameter(self.seed, b, key), n) for b, n in self.blocks])

    def draw(self, method: str, *args: np.ndarray | float) -> np.ndarray:
        """Call ``Generator.<method>`` block by block; array arguments lead with replications."""
        if len(self.rngs) == 1:
            return getattr(self.rngs[0], method)(*args)
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        out = np.empty(shape, dtype=np.int64)
        for rng, sl in zip(self.rngs, self.slices, strict=True):
            part = [a[sl] if np.ndim(a) else a for a in args]
            out[sl] = getattr(rng, method)(*part)
        return out

    def binomial(self, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
        if not n.any():
            return np.zeros_like(n)
        return self.draw("binomial", n, p)


def _share_of_rest(share: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """``share`` of the whole as a share of what ``taken`` leaves (0 where it leaves nobody)."""
    rest = 1 - taken
    out = np.divide(share, rest, out=np.zeros_like(share, dtype=float), where=rest > 0)
    # The two shares sum to at most 1 (checked when drawn); this only absorbs round-off.
    return np.minimum(out, 1.0)


class Care:
    """People waiting out a delay (in care before returning to duty, before dying of wounds,
    before evacuation): ``min_days`` in a fixed queue (at least one day), then each day a
    chance ``q`` of leaving, so that the mean delay is ``mean_days``.

    One binomial draw a day however long the delay, and none at all for a fixed delay.
    """

    def __init__(self, reps: int, min_days: int, mean_days: np.ndarray, rng: Streams):
        self.lag = max(min_days, 1)
        self.queue = np.zeros((self.lag, reps), dtype=np.int64)
        self.pool = np.zeros(reps, dtype=np.int64)
        self.count = np.zeros(reps, dtype=np.int64)  # everyone waiting (queue + pool)
        # Geometric wait from 0 days: mean (1 - q) / q = mean_days - lag.
        self.q = 1.0 / np.maximum(mean_days - self.lag + 1.0, 1.0)
        self.fixed = bool((self.q >= 1.0).all())
        self.rng = rng

    def leave(self, day: int) -> np.ndarray:
        """Those whose delay ends today."""
        row = self.queue[day % self.lag]
        if self.fixed:
            out = row.copy()
        else:
            self.pool += row
            out = self.rng.binomial(self.pool, self.q)
            self.pool -= out
        row[:] = 0
        self.count -= out
        return out

    def enter(self, day: int, n: np.ndarray) -> None:
        self.queue[day % self.lag] += n
        self.count += n

    def total(self) -> np.ndarray:
        return self.count


@dataclass
class Draws:
    """Per-replication parameter values for a batch."""

    values: dict[str, np.ndarray]

    def __getitem__(self, path: str) -> np.ndarray:
        return self.values[path]


def draw_params(plan: Plan, streams: Streams, fixed: dict[str, np.ndarray] | None = None) -> Draws:
    """Each replication's own parameter values, each on its field's domain (normal and
    lognormal draws truncated to it, see :mod:`sim.params`); ``fixed`` overrides chosen paths
    per replication (posterior samples, sweep points).

    Raises
    ------
    sim.domains.DomainError
        When a value of ``fixed`` lies outside its domain, or shares of one whole sum past 1.
    """
    values = {}
    param_keys(plan.param_paths())  # two paths on one stream would draw the same numbers
    for path in plan.param_paths():
        if fixed and path in fixed:
            values[path] = np.asarray(fixed[path], dtype=float)
        else:
            low, high, _ = domain_of(path)
            values[path] = streams.param(path, partial(plan.params[path].sample, low=low, high=high))
    check_values(values, row="replication")
    return Draws(values)


class Engine:
    """One batch of replications, in lock step.

    Parameters
    ----------
    plan : Plan
        The compiled scenario.
    seed : int
        The run's seed.
    blocks : sequence of (int, int)
        The blocks of replications in this batch (see :func:`blocks_for`).
    recorders : sequence of Recorder
        Each gets every day's measures.
    fixed : dict, optional
        Parameter values per replication that replace draws (by field path).
    on_day : callable, optional
        Called with the day index after each day (progress bars).
    """

    def __init__(self, plan: Plan, seed: int, blocks: Sequence[tuple[int, int]],
                 recorders: Sequence[Recorder] = (), fixed: dict[str, np.ndarray] | None = None,
                 on_day: Callable[[int], None] | None = None):
        self.plan = plan
        self.s = plan.scenario
        self.rng = Streams(seed, blocks)
        # On-duty columns: units the model cannot tell apart share one (see plan._columns).
        R, U = self.rng.reps, max(plan.column) + 1
        self.R, self.U = R, U
        self.col = plan.column
        first_unit = [plan.column.index(c) for c in range(U)]
        self.col_posture = plan.posture_of[first_unit]
        self.recorders = list(recorders)
        self.on_day = on_day
        p = draw_params(plan, self.rng, fixed)
        self.p = p
        # People, by place.  All counts are int64.
        self.on_duty = np.zeros((R, U), dtype=np.int64)
        # Care is contingent-wide, one delay line per replication.
        self.wound_care = Care(R, plan.recovery.min_days, p[plan.recovery.mean], self.rng)
        self.sick_care = Care(R, plan.sick_recovery.min_days, p[plan.sick_recovery.mean], self.rng)
        # Wounded who will die of wounds, or be evacuated, after a delay (None: same day).
        self.dying = Care(R, plan.dying.min_days, p[plan.dying.mean], self.rng) if plan.dying else None
        self.leaving = (Care(R, plan.evacuation.min_days, p[plan.evacuation.mean], self.rng)
                        if plan.evacuation else None)
        z = lambda: np.zeros(R, dtype=np.int64)  # noqa: E731
        self.arrived, self.killed, self.wounded, self.missing = z(), z(), z(), z()
        self.died_of_wounds, self.evacuated, self.returned, self.rotated_out = z(), z(), z(), z()
        self.present = np.zeros(U, dtype=bool)  # a unit in the column has arrived and not left
        self.carry = {}  # fractional per_day casualties carried over (noise: none)
        # Parameters as the flows use them.
        # Every value lies in its field's domain (see draw_params): nothing to clip.
        self.killed_share = p["casualties.killed"]
        self.missing_share = _share_of_rest(p["casualties.missing"], self.killed_share)
        self.rtd_share = p["wounded.return_to_duty"]
        self.dow_share = _share_of_rest(p["wounded.died_of_wounds"], self.rtd_share)
        self.sick_rate = p["disease.daily_rate"][:, None]
        self.sick_any = bool((self.sick_rate > 0).any())
        self.sick_return = p["disease.return_to_duty"]
        self.reserve = np.rint(p["reserve"]).astype(np.int64) if "reserve" in p.values else None
        # Policy state.
        self.in_transit = {i: np.zeros(R, dtype=bool) for i in plan.policy_slots}
        self.sent_times = {i: np.zeros(R, dtype=np.int64) for i in plan.policy_slots}
        tracked = conditions_of(self.s)
        self.snapshots = snapshots_of(self.s)
        conds = [*tracked.values(), *(c for _, c in self.snapshots.values()), *(p.when for p in self.s.policy)]
        self.peaks = Peaks(peak_names(conds), R)
        self.crossings = Crossings(tracked, R, self.peaks)
        self.holds_on: dict[str, np.ndarray] = {}  # claim id -> holds on its date, per replication
        self.posture_now = self.col_posture[:, 0].copy()
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
        size = np.rint(self.p[unit.size]).astype(np.int64)
        if unit.from_reserve:
            size = self._take_reserve(size)
        self.on_duty[:, self.col[ui]] += size
        self.arrived += size
        self.present[self.col[ui]] = True
        self._regroup()

    def _leave(self, ui: int) -> None:
        c = self.col[ui]  # a unit that leaves has a column of its own
        self.rotated_out += self.on_duty[:, c]
        self.on_duty[:, c] = 0
        self.present[c] = False
        self._regroup()

    def _phase(self, day: int) -> None:
        self.posture_now = self.col_posture[:, day].copy()
        self._regroup()

    def _policy_arrival(self, ui: int, amount: np.ndarray, mask: np.ndarray) -> None:
        self.on_duty[:, self.col[ui]] += amount
        self.arrived += amount
        self.in_transit[ui][mask] = False
        self.sent_times[ui][mask] += 1

    def _regroup(self) -> None:
        """Units present in each posture that has a loss law (recomputed on events only)."""
        groups = []
        for pi, name in enumerate(self.plan.postures):
            if self.s.postures[name].law == "none":
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
        for ui in self.plan.policy_slots:
            self.present[self.col[ui]] = True
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
        """Casualties of the day per replication and unit, by each posture's loss law."""
        C = np.zeros_like(self.on_duty)
        for pi, idx in self.groups:
            name = self.plan.postures[pi]
            post = self.s.postures[name]
            duty = self.on_duty[:, idx]
            if post.law == "rate":
                C[:, idx] = self.rng.binomial(duty, self.p[f"postures.{name}.daily_rate"][:, None])
                continue
            total = duty.sum(axis=1)
            mean = self.p[f"postures.{name}.per_day"]
            if post.noise == "none":
                carry = self.carry.get(name, 0.0) + mean
                count = np.floor(carry + 1e-9).astype(np.int64)
                self.carry[name] = carry - count
            elif post.noise == "poisson":
                count = self.rng.draw("poisson", mean)
            else:
                k = self.p[f"postures.{name}.dispersion"]
                count = self.rng.draw("negative_binomial", k, k / (k + np.maximum(mean, 1e-12)))
            count = np.minimum(count, total)
            # Spread the posture's casualties over its units: who is hit is a draw without
            # replacement from everyone on duty there (multivariate hypergeometric).
            left, pool = count, total
            for j, ui in enumerate(idx):
                if j == len(idx) - 1:
                    C[:, ui] = left
                    break
                here = duty[:, j]
                hit = self.rng.draw("hypergeometric", here, pool - here, left) if left.any() else np.zeros_like(left)
                C[:, ui] = hit
                left, pool = left - hit, pool - here
        return C

    def step(self, day: int) -> None:
        """One day: returns from care, combat losses and their split, disease, policy, records."""
        rng, duty = self.rng, self.on_duty
        # Returns from care happen first: today's wounded are not back today.
        returning = self.wound_care.leave(day) + self.sick_care.leave(day)
        if returning.any():
            self._return_to_duty(returning)
        # Leaving care for good.
        if self.dying is not None:
            self.died_of_wounds += self.dying.leave(day)
        if self.leaving is not None:
            self.evacuated += self.leaving.leave(day)
        # Combat casualties, split into killed, missing and wounded; the wounded by fate.
        C = self._combat_losses()
        total = C.sum(axis=1)
        if total.any():
            duty -= C
            killed = rng.binomial(total, self.killed_share)
            rest = total - killed
            missing = rng.binomial(rest, self.missing_share)
            wounded = rest - missing
            rtd = rng.binomial(wounded, self.rtd_share)
            rest = wounded - rtd
            dow = rng.binomial(rest, self.dow_share)
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
        # Disease and non-battle injury, among everyone on duty in present units.
        if self.sick_any:
            cols = self.present_idx
            sick = rng.binomial(duty[:, cols], self.sick_rate)
            if sick.any():
                duty[:, cols] -= sick
                sick = sick.sum(axis=1)
                recover = rng.binomial(sick, self.sick_return)
                self.sick_care.enter(day, recover)
                self.evacuated += sick - recover
        m = self.measures()
        self.peaks.update(m)
        self._policy(day, m)
        self.crossings.update(day, m)
        for cid, (d, cond) in self.snapshots.items():
            if d == day:
                self.holds_on[cid] = compare(m[cond.measure], cond.comparison, reference(cond, m, self.peaks))
        for rec in self.recorders:
            rec.record(day, m)

    def _return_to_duty(self, returning: np.ndarray) -> None:
        """Recovered people rejoin the present unit with the most people on duty (a pooled
        replacement system); with no unit left they go home with the rest (rotated out)."""
        self.returned += returning
        if not self.present.any():
            self.rotated_out += returning
            return
        duty = np.where(self.present, self.on_duty, -1)
        self.on_duty[np.arange(self.R), duty.argmax(axis=1)] += returning

    def _policy(self, day: int, m: dict[str, np.ndarray]) -> None:
        for pol, ui in zip(self.s.policy, self.plan.policy_slots, strict=True):
            cond = pol.when
            holds = compare(m[cond.measure], cond.comparison, reference(cond, m, self.peaks))
            go = holds & ~self.in_transit[ui] & (m["arrived"] > 0)
            if pol.max_times is not None:
                go &= self.sent_times[ui] < pol.max_times
            if not go.any():
                continue
            want = np.where(go, np.rint(self.p[f"policy.{pol.name}.send"]).astype(np.int64), 0)
            amount = self._take_reserve(want)
            go &= amount > 0
            if not go.any():
                continue
            self.in_transit[ui] |= go
            when = day + max(pol.delay_days, 1)
            if when < self.plan.days:
                self.env.process(self._at(when, lambda ui=ui, a=amount, g=go: self._policy_arrival(ui, a, g)))

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
