"""The model written the obvious way: one simpy process per replication, scalar draws.

This is the yardstick for the engine: the benchmark times both on the same scenario, and a
test checks that both give the same distributions (they use different random streams, so
they agree in distribution, not draw for draw).  It covers arrivals, phases, the loss laws,
the casualty split, the wounded and disease flows; scenarios with rotations, policies or a
reserve, uncertain dates or chances, trends or daily variation, or mass-casualty events are
refused.

The loss laws are the laws' own scalar forms (:meth:`sim.laws.Law.draw_one`), so that a law is
written once, in both forms, next to each other.  The delays are written here the obvious way
(a queue of days) rather than taken from :mod:`sim.care`: they are the yardstick for the
engine's delay lines.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import simpy

from .draws import draw_params
from .plan import Plan, compile_plan
from .scenario import Scenario
from .streams import Streams, blocks_for, generator

REFERENCE_MEASURES = ("effective", "killed", "wounded", "casualties", "wounded_in_care", "returned_to_duty")


class _Delay:
    """People waiting out a delay: ``min`` days in a queue, then a daily chance of leaving."""

    def __init__(self, min_days: int, mean_days: float):
        self.lag = max(min_days, 1)
        self.q = 1.0 / max(mean_days - self.lag + 1.0, 1.0)
        self.queue = deque([0] * self.lag)
        self.pool = 0

    def leave(self, rng: np.random.Generator) -> int:
        self.pool += self.queue.popleft()
        out = self.pool if self.q >= 1.0 else (rng.binomial(self.pool, self.q) if self.pool else 0)
        self.pool -= out
        return out

    def enter(self, n: int) -> None:
        self.queue.append(n)

    def total(self) -> int:
        return sum(self.queue) + self.pool


def _replication(
    env: simpy.Environment,
    i: int,
    plan: Plan,
    p: dict[str, float],
    rng: np.random.Generator,
    out: dict[str, np.ndarray],
):
    n_units = len(plan.units)
    duty = [0] * n_units
    present = [False] * n_units
    care = _Delay(plan.recovery.min_days, p[plan.recovery.mean])
    sick_care = _Delay(plan.sick_recovery.min_days, p[plan.sick_recovery.mean])
    dying = _Delay(plan.dying.min_days, p[plan.dying.mean]) if plan.dying else None
    leaving = _Delay(plan.evacuation.min_days, p[plan.evacuation.mean]) if plan.evacuation else None
    killed = wounded = missing = returned = 0
    law_state = [law.start(1) for law in plan.laws]
    pk = min(max(p["casualties.killed"], 0.0), 1.0)
    pm = min(max(p["casualties.missing"], 0.0), 1.0)
    prtd = min(max(p["wounded.return_to_duty"], 0.0), 1.0)
    pdow = min(max(p["wounded.died_of_wounds"], 0.0), 1.0)
    sick_rates = [min(max(p[path], 0.0), 1.0) for path in plan.disease]  # by posture
    sick_ret = min(max(p["disease.return_to_duty"], 0.0), 1.0)
    yield env.timeout(0.5)
    for day in range(plan.days):
        for u, unit in enumerate(plan.units):
            if unit.arrive == day:
                duty[u] += max(round(p[unit.size]), 0)
                present[u] = True
        # Returns from care.
        back, back_sick = care.leave(rng), sick_care.leave(rng)
        if back + back_sick:
            here = [u for u in range(n_units) if present[u]]
            target = max(here, key=lambda u: (duty[u], -u))
            duty[target] += back + back_sick
            returned += back + back_sick
        for waiting in (dying, leaving):
            if waiting is not None:
                waiting.leave(rng)
        # Combat losses, posture by posture.
        total = 0
        for pi, law in enumerate(plan.laws):
            units = [u for u in range(n_units) if present[u] and plan.posture_of[u, day] == pi]
            if not law.causes_losses or not units:
                continue
            hits = law.draw_one([duty[u] for u in units], p, rng, law_state[pi])
            for u, hit in zip(units, hits, strict=True):
                duty[u] -= hit
                total += hit
        k, m, w, r, d = _split(total, pk, pm, prtd, pdow, rng)
        killed, missing, wounded = killed + k, missing + m, wounded + w
        care.enter(r)
        if dying is not None:
            dying.enter(d)
        if leaving is not None:
            leaving.enter(w - r - d)
        rates = [sick_rates[plan.posture_of[u, day]] for u in range(n_units)]
        sick_total = _fall_sick(duty, present, rates, rng)
        sick_care.enter(rng.binomial(sick_total, sick_ret) if sick_total else 0)
        out["effective"][i, day] = sum(duty)
        out["killed"][i, day] = killed
        out["wounded"][i, day] = wounded
        out["casualties"][i, day] = killed + wounded + missing
        out["wounded_in_care"][i, day] = care.total() + sum(x.total() for x in (dying, leaving) if x)
        out["returned_to_duty"][i, day] = returned
        yield env.timeout(1)


def _split(
    total: int, pk: float, pm: float, prtd: float, pdow: float, rng: np.random.Generator
) -> tuple[int, int, int, int, int]:
    """A day's casualties as killed, missing and wounded, and of the wounded those who return to
    duty and those who die of wounds (the rest are evacuated)."""
    if not total:
        return 0, 0, 0, 0, 0
    k = rng.binomial(total, pk)
    m = rng.binomial(total - k, pm / (1 - pk) if pk < 1 else 0.0)
    w = total - k - m
    r = rng.binomial(w, prtd)
    d = rng.binomial(w - r, pdow / (1 - prtd) if prtd < 1 else 0.0)
    return k, m, w, r, d


def _fall_sick(duty: list[int], present: list[bool], rates: list[float], rng: np.random.Generator) -> int:
    """Disease and non-battle injury in the units present, each at the rate of its posture: the
    sick leave ``duty``; returns how many fell sick."""
    sick = 0
    for u, n in enumerate(duty):
        if present[u] and n and rates[u] > 0:
            x = rng.binomial(n, rates[u])
            duty[u] -= x
            sick += x
    return sick


def run_reference(scenario: Scenario, reps: int, seed: int) -> dict[str, np.ndarray]:
    """Simulate ``reps`` replications, one simpy process each; returns measures (reps x days).

    Parameter values are drawn exactly as the engine draws them (same streams), so the two
    differ only in process noise.
    """
    if scenario.rotations or scenario.policy or scenario.reserve is not None:
        raise ValueError("the reference model covers no rotations, policies or reserve")
    if scenario.mass_casualty:
        raise ValueError("the reference model covers no mass-casualty events")
    if scenario.opponent is not None:
        raise ValueError("the reference model covers no opponent")
    plan = compile_plan(scenario)
    if any(u.when for u in plan.units) or any(e.when for e in plan.entries):
        raise ValueError("the reference model covers no uncertain dates or chances")
    if any(u.serves for u in plan.units) or plan.recruitment:
        raise ValueError("the reference model covers no terms of service or recruitment")
    changing = [p for p, v in plan.params.items() if p.endswith((".trend", ".daily_cv")) and not v.is_fixed]
    changing += [p for p, v in plan.params.items() if p.endswith(".trend") and v.mean != 1.0]
    changing += [p for p, v in plan.params.items() if p.endswith(".daily_cv") and v.mean != 0.0]
    if changing:
        raise ValueError(
            f"the reference model covers no trends or daily variation ({', '.join(sorted(set(changing)))})"
        )
    streams = Streams(seed, blocks_for(reps))
    draws = draw_params(plan, streams).values
    env = simpy.Environment()
    out = {m: np.zeros((reps, plan.days), dtype=np.int64) for m in REFERENCE_MEASURES}
    for i in range(reps):
        rng = generator(seed, "reference.replication", i)
        params = {k: float(v[i]) for k, v in draws.items()}
        env.process(_replication(env, i, plan, params, rng, out))
    env.run(until=plan.days)
    return out
