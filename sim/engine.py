"""The model: a simpy event calendar around a compiled daily step, across replications.

One :class:`Engine` runs a batch of replications of a compiled :class:`~sim.plan.Plan`.  The
state is a set of arrays with one row per replication, owned here and changed only by the
compiled functions of :mod:`sim.kernel`.  simpy keeps the calendar: every day on which any
replication has a scheduled event (an arrival, a unit leaving, a phase beginning; each
replication has its own days, see :mod:`sim.schedule`) is a simpy process that applies that
day's events, and the daily process runs the compiled step over the days between events.
Dispatches triggered by a policy depend on each replication's state; the step decides and
delivers them itself.

Random numbers come from one ``SeedSequence``: replications are grouped in fixed blocks of
:data:`~sim.streams.BLOCK` (replication ``i`` is in block ``i // BLOCK``), each block with its
own streams (:class:`~sim.streams.Streams`), and the step draws a block's numbers in a fixed
order (day by day, replication by replication).  A batch is any set of whole blocks, and
threads share out the blocks, so results depend neither on how replications are split into
batches, threads, processes or machines, nor on how the days are cut into calls.

Time: events at day ``d`` happen at simulation time ``d`` (the start of the day); the daily
step of day ``d`` runs after them and records the day's closing measures.

Every person who arrived is, at the end of every day, in exactly one place: on duty,
wounded in care, sick in care, killed, died of wounds, evacuated, missing or rotated out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import simpy

from . import kernel
from .draws import draw_params
from .kernel import PEAK, prepare
from .measures import QUANTILES, peak_names
from .plan import Plan
from .schedule import schedule_of
from .streams import Streams

#: Measures of all replications held at once (int64 values): the days of a call to the step.
BUFFER = 2**22


def _per_policy(plan: Plan, columns: list[np.ndarray], reps: int) -> np.ndarray:
    """Per-replication values of each policy as an int64 (reps, policies) array."""
    return np.stack(columns, axis=1).astype(np.int64) if plan.policies else np.zeros((reps, 0), dtype=np.int64)


def _share_of_rest(share: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """``share`` of the whole as a share of what ``taken`` leaves (0 where it leaves nobody)."""
    rest = 1 - taken
    out = np.divide(share, rest, out=np.zeros_like(share, dtype=float), where=rest > 0)
    # The two shares sum to at most 1 (checked when drawn); this only absorbs round-off.
    return np.minimum(out, 1.0)


class Engine:
    """One batch of replications.

    Parameters
    ----------
    plan : Plan
        The compiled scenario.
    seed : int
        The run's seed.
    blocks : sequence of (int, int)
        The blocks of replications in this batch (see :func:`sim.streams.blocks_for`); an index
        may repeat (the same random numbers for different parameter values).
    recorders : sequence of Recorder
        Each gets every day's measures (views valid during the call only).
    values : dict, optional
        Parameter values per replication that replace draws (by field path).
    on_day : callable, optional
        Called with the last day done after each call to the step (progress bars).
    threads : int
        Threads sharing out the blocks (the step releases the GIL).
    summary : bool
        Compute each day's quantiles and means over the replications (:attr:`q`, :attr:`mean`).
    samples : int
        Keep the full trajectories of the first ``samples`` replications (:attr:`samples`).

    After :meth:`run`: :attr:`first` (first-crossing day of each condition, -1 for never),
    :attr:`holds_on` (each claim tested on a date), and what ``summary`` and ``samples`` ask for.
    """

    def __init__(
        self,
        plan: Plan,
        seed: int,
        blocks: Sequence[tuple[int, int]],
        recorders: Sequence = (),
        values: dict[str, np.ndarray] | None = None,
        on_day: Callable[[int], None] | None = None,
        threads: int = 1,
        summary: bool = False,
        samples: int = 0,
    ):
        self.plan = plan
        self.streams = Streams(seed, blocks)
        reps = self.reps = self.streams.reps
        self.recorders = list(recorders)
        self.on_day = on_day
        self.threads = max(1, min(threads, len(blocks)))
        v = draw_params(plan, self.streams, values).values
        self.schedule = schedule_of(plan, v, self.streams, given=set(values or ()))
        self._schedule = self.schedule.kernel_tuple()
        self.slot_column = np.array(plan.column, dtype=np.int64)
        self.from_reserve = np.array([u.from_reserve for u in plan.units], dtype=np.bool_)
        columns = int(self.slot_column.max()) + 1
        self.col_side = np.zeros(columns, dtype=np.int64)  # the side of each on-duty column
        for u, c in zip(plan.units, plan.column, strict=True):
            self.col_side[c] = u.side
        self.measures = plan.measures  # the built-in measures, then the derived ones
        self._conditions(plan, reps)
        self._state(plan, v, reps, columns)
        self._params(plan, v, reps)
        days = plan.days
        n = len(self.measures)
        self.q = np.zeros((n, days, len(QUANTILES))) if summary else None
        self.mean = np.zeros((n, days)) if summary else None
        # A measure recorded in fractions (the force ratio) is divided back when it leaves the engine.
        self.scale = plan.scaled
        self.samples = {
            k: np.zeros((min(samples, reps), days), dtype=float if k in self.scale else np.int64) for k in self.measures
        }
        self.chunk = max(1, min(days, BUFFER // (n * reps)))
        self.buf = np.zeros((self.chunk, n, reps), dtype=np.int64)

    # -- set-up ----------------------------------------------------------------------------
    def _conditions(self, plan: Plan, reps: int) -> None:
        """Conditions as arrays: the tracked crossings, then the claims tested on a date, then
        the policies' triggers; and the terms of the derived measures, which they may name."""
        names = self.measures
        self.crossing_names = list(plan.conditions)
        self.snapshot_ids = list(plan.snapshots)
        conds = [
            *plan.conditions.values(),
            *(c for _, c in plan.snapshots.values()),
            *(pol.when for pol in plan.policies),
        ]
        peaks = sorted(peak_names(conds))
        codes = kernel.COMPARISON_CODES
        base = len(names) - len(plan.derived)  # the built-in measures, of both sides
        terms = np.zeros((len(plan.derived), base), dtype=np.int64)  # times each measure is a term
        for k, indices in enumerate(plan.derived):
            for i in indices:
                terms[k, i] += 1

        def ref(c) -> int:
            if c.of is None:
                return -1
            return PEAK + peaks.index(c.of[5:]) if c.of.startswith("peak_") else names.index(c.of)

        def bounds(c) -> tuple[float, float]:
            return c.value if c.comparison == "between" else (c.value, c.value)

        self.conditions = (
            np.array([names.index(c.measure) for c in conds], dtype=np.int64),
            np.array([codes[c.comparison] for c in conds], dtype=np.int64),
            np.array([bounds(c)[0] for c in conds], dtype=float),
            np.array([bounds(c)[1] for c in conds], dtype=float),
            np.array([ref(c) for c in conds], dtype=np.int64),
            len(self.crossing_names),
            np.array([d for d, _ in plan.snapshots.values()], dtype=np.int64),
            np.array([names.index(p) for p in peaks], dtype=np.int64),
            terms,
        )
        self.n_peaks = len(peaks)

    def _state(self, plan: Plan, v: dict[str, np.ndarray], reps: int, columns: int) -> None:
        lines = [line for side in plan.sides for line in side.lines]  # kernel.CARE_LINES a side
        self.lag = np.array([0 if line is None else line.lag for line in lines], dtype=np.int64)
        chance = np.ones((len(lines), reps))
        for i, line in enumerate(lines):
            if line is not None:
                chance[i] = line.chance(v)
        self.geometric = np.array([bool((c < 1).any()) for c in chance], dtype=np.bool_)
        self.care_p = prepare(chance)
        present = np.zeros((reps, columns), dtype=np.bool_)
        for pol in plan.policies:
            present[:, plan.column[pol.slot]] = True  # a policy's unit is there to receive
        n_pol, n_cross, n_snap = len(plan.policies), len(self.crossing_names), len(self.snapshot_ids)
        reserve = np.rint(v[plan.reserve]).astype(np.int64) if plan.reserve else np.full(reps, -1, dtype=np.int64)
        self.state = (
            np.zeros((reps, columns), dtype=np.int64),  # duty: people on duty per column
            present,  # the column's unit has arrived and not left
            np.zeros((reps, columns), dtype=np.int64),  # posture of each column
            np.zeros((reps, len(plan.sides), kernel.N_COUNTERS), dtype=np.int64),  # counts by side (kernel.C_*)
            np.zeros((len(lines), reps, max(1, int(self.lag.max()))), dtype=np.int64),  # care queues
            np.zeros((len(lines), reps), dtype=np.int64),  # past the queue, waiting for their chance
            np.zeros((len(lines), reps), dtype=np.int64),  # everyone in each care line
            np.zeros((reps, len(plan.laws))),  # fraction of a casualty carried (per_day, no noise)
            reserve,  # people left to send (-1: no limit)
            np.full((reps, n_pol), -1, dtype=np.int64),  # day a dispatch arrives
            np.zeros((reps, n_pol), dtype=np.int64),  # people in it
            np.zeros((reps, n_pol), dtype=np.bool_),  # a dispatch is on its way
            np.zeros((reps, n_pol), dtype=np.int64),  # dispatches arrived
            np.zeros((reps, self.n_peaks), dtype=np.int64),  # running peaks
            np.zeros((reps, n_cross), dtype=np.bool_),  # the condition has been false
            np.full((reps, n_cross), -1, dtype=np.int32),  # first crossing day
            np.zeros((reps, n_snap), dtype=np.bool_),  # claim holds on its date
            np.zeros((reps, columns), dtype=np.int64),  # day the column's posture began
            np.zeros((reps, len(plan.mass_casualty)), dtype=np.int64),  # mass-casualty events so far
            np.zeros((reps, len(plan.recruitment))),  # fraction of a recruit carried to the next day
        )
        kernel.set_postures(0, self._schedule, self.state[2], self.state[17])

    def _params(self, plan: Plan, v: dict[str, np.ndarray], reps: int) -> None:
        n_laws = len(plan.laws)
        rate, mean, dispersion = np.zeros((reps, n_laws)), np.zeros((reps, n_laws)), np.ones((reps, n_laws))
        trend, cv = np.ones((reps, n_laws)), np.zeros((reps, n_laws))
        coefficient, own_power, enemy_power = (
            np.zeros((reps, n_laws)),
            np.zeros((reps, n_laws)),
            np.zeros((reps, n_laws)),
        )
        noise = np.zeros(n_laws, dtype=np.int64)
        for p, law in enumerate(plan.laws):
            given = law.kernel_inputs(v)
            for target, x in (
                (rate, given.rate),
                (mean, given.mean),
                (dispersion, given.dispersion),
                (trend, given.trend),
                (cv, given.cv),
                (coefficient, given.coefficient),
                (own_power, given.own_exponent),
                (enemy_power, given.enemy_exponent),
            ):
                if x is not None:
                    target[:, p] = x
            noise[p] = given.noise
        log_trend = np.log(trend)
        shares = []  # kernel.CARE_LINES a side: killed, missing of the rest, returning, dying of the rest
        for side in plan.sides:
            killed = v[f"{side.prefix}casualties.killed"]
            rtd = v[f"{side.prefix}wounded.return_to_duty"]
            shares += [
                killed,
                _share_of_rest(v[f"{side.prefix}casualties.missing"], killed),
                rtd,
                _share_of_rest(v[f"{side.prefix}wounded.died_of_wounds"], rtd),
            ]
        split = np.stack(shares, axis=1)
        # The sick who return, side by side, then each posture's disease rate.
        returning = [v[f"{side.prefix}disease.return_to_duty"] for side in plan.sides]
        sick = np.stack([*returning, *(v[path] for path in plan.disease)], axis=1)
        self.params = (
            self.lag,
            self.geometric,
            self.care_p,
            np.array([law.code for law in plan.laws], dtype=np.int64),
            noise,
            prepare(rate),
            mean,
            dispersion,
            prepare(split),
            prepare(sick),
            _per_policy(plan, [np.rint(v[pol.send]) for pol in plan.policies], reps) * self.schedule.policy_on,
            np.array([plan.column[pol.slot] for pol in plan.policies], dtype=np.int64),
            _per_policy(plan, [np.maximum(np.rint(v[pol.delay_days]), 1) for pol in plan.policies], reps),
            np.array([-1 if pol.max_times is None else pol.max_times for pol in plan.policies], dtype=np.int64),
            bool(any((v[path] > 0).any() for path in plan.disease)),
            rate,
            log_trend,
            cv,
            (log_trend != 0).any(axis=0) | (cv > 0).any(axis=0),  # the rate varies by day
            *self._mass_casualty(plan, v, reps, n_laws),
            *self._recruitment(plan, v, reps),
            np.eye(n_laws, dtype=np.bool_),  # each posture alone: where a per_day count is shared out
            self.col_side,
            np.array(plan.posture_side, dtype=np.int64),  # the side of each posture
            coefficient,  # Lanchester laws: coefficient, powers of own and enemy strength
            own_power,
            enemy_power,
        )

    def _recruitment(self, plan: Plan, v: dict[str, np.ndarray], reps: int) -> tuple:
        """The flows of recruits' arrays for the step."""
        flows = plan.recruitment
        per_day = np.zeros((reps, len(flows)))
        for i, f in enumerate(flows):
            per_day[:, i] = v[f.rate] / 30.0
        return (
            np.array([plan.column[f.slot] for f in flows], dtype=np.int64),  # the column they join
            np.array([f.first for f in flows], dtype=np.int64),  # first day of the flow
            np.array([f.last for f in flows], dtype=np.int64),  # last day of the flow
            per_day,  # recruits a day
            np.array([f.from_reserve for f in flows], dtype=np.bool_),  # taken from the reserve
        )

    def _mass_casualty(self, plan: Plan, v: dict[str, np.ndarray], reps: int, n_laws: int) -> tuple:
        """The mass-casualty events' arrays for the step."""
        specs = plan.mass_casualty
        chance, killed = np.zeros((reps, len(specs))), np.zeros((reps, len(specs)))
        exposed = np.zeros((len(specs), n_laws), dtype=np.bool_)
        for i, e in enumerate(specs):
            chance[:, i] = np.minimum(v[e.rate] / 30.0, 1.0)
            killed[:, i] = v[e.killed]
            exposed[i, list(e.postures)] = True
        return (
            chance,  # daily probability of each event, when anyone is exposed to it
            killed,  # share of those hit who are killed
            self.schedule.hit_sizes,  # people hit by each event, in turn
            exposed,  # the postures whose units each event hits
        )

    # -- the calendar ----------------------------------------------------------------------
    def _event(self, env: simpy.Environment, day: int):
        yield env.timeout(day)
        kernel.apply_events(day, self.state, self._schedule, self.slot_column, self.from_reserve, self.col_side)

    def _daily(self, env: simpy.Environment):
        """Run the step from one event day to the next (events of a day come before its step)."""
        yield env.timeout(0.5)
        day, days = 0, self.plan.days
        while day < days:
            upcoming = env.peek()
            stop = days if math.isinf(upcoming) else min(days, math.ceil(upcoming))
            self._advance(day, stop)
            yield env.timeout(stop - day)
            day = stop

    # -- the days --------------------------------------------------------------------------
    def _blocks(self, part: int, d0: int, d1: int) -> None:
        """Days ``d0`` to ``d1 - 1`` of every ``threads``-th block from ``part`` on."""
        for b in range(part, len(self.streams.blocks), self.threads):
            sl = self.streams.slices[b]
            kernel.run_days(
                self.streams.states[b],
                sl.start,
                sl.stop,
                d0,
                d1,
                self.plan.days,
                self.state,
                self.params,
                self.conditions,
                self.buf,
                np.zeros(len(self.measures), dtype=np.int64),
                np.zeros(len(self.plan.laws)),
                np.zeros(len(self.plan.laws) + 2 * len(self.plan.sides), dtype=np.int64),
            )

    def _summarise(self, part: int, n_days: int, d0: int) -> None:
        rows = np.arange(part, len(self.measures), self.threads)
        kernel.summarise(self.buf, n_days, rows, np.asarray(QUANTILES), self.q, self.mean, d0)

    def _each(self, fn: Callable, *args) -> None:
        if self.pool is None:
            fn(0, *args)
        else:
            list(self.pool.map(lambda part: fn(part, *args), range(self.threads)))

    def _advance(self, d0: int, d1: int) -> None:
        for c0 in range(d0, d1, self.chunk):
            c1 = min(c0 + self.chunk, d1)
            self._each(self._blocks, c0, c1)
            if self.q is not None:
                self._each(self._summarise, c1 - c0, c0)
            n = len(next(iter(self.samples.values())))
            for i, k in enumerate(self.measures):
                self.samples[k][:, c0:c1] = self.buf[: c1 - c0, i, :n].T
                if k in self.scale:
                    self.samples[k][:, c0:c1] /= self.scale[k]
            for j in range(c1 - c0):
                if self.recorders:
                    m = dict(zip(self.measures, self.buf[j], strict=True))
                    for k, s in self.scale.items():
                        m[k] = m[k] / s
                    for rec in self.recorders:
                        rec.record(c0 + j, m)
            if self.on_day is not None:
                self.on_day(c1 - 1)

    def run(self) -> Engine:
        """Run every day; afterwards :attr:`first` and :attr:`holds_on` hold the outcomes."""
        env = simpy.Environment()
        for day in self.schedule.event_days(self.plan.days):
            env.process(self._event(env, day))
        env.process(self._daily(env))
        self.pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        try:
            env.run()
        finally:
            if self.pool is not None:
                self.pool.shutdown()
        if self.q is not None:
            for k, s in self.scale.items():
                self.q[self.measures.index(k)] /= s
                self.mean[self.measures.index(k)] /= s
        first, holds_on = self.state[15], self.state[16]
        self.first = {n: np.ascontiguousarray(first[:, i]) for i, n in enumerate(self.crossing_names)}
        self.holds_on = {c: np.ascontiguousarray(holds_on[:, i]) for i, c in enumerate(self.snapshot_ids)}
        return self
