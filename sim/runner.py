"""``run(scenario, reps, seed) -> Result``: the one entry point to the model."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import __version__
from .engine import Engine
from .loading import load_scenario
from .measures import TrajectoryRecorder
from .parallel import check_workers
from .plan import Plan, compile_plan
from .results import Result
from .rules import check_run_size
from .scenario import Scenario
from .streams import blocks_for


def _progress_bar(total_days: int, label: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
        TimeRemainingColumn(),
        transient=True,
    )
    return bar, bar.add_task(label, total=total_days)


def _rows(values: dict[str, np.ndarray] | None, start: int, n: int) -> dict[str, np.ndarray] | None:
    """Replications ``start`` to ``start + n`` of per-replication values (None: none given)."""
    return {k: np.asarray(v)[start : start + n] for k, v in values.items()} if values else None


def run(
    scenario: Scenario | Plan | str | Path,
    reps: int | None = None,
    seed: int | None = None,
    *,
    keep_trajectories: bool = False,
    samples: int = 8,
    progress: bool = False,
    batch_blocks: int | None = None,
    values: dict[str, np.ndarray] | None = None,
    recorders: list | None = None,
    workers: int | None = 1,
    fixed: dict[str, np.ndarray] | None = None,
) -> Result:
    """Project a contingent's strength with Monte Carlo uncertainty.

    Parameters
    ----------
    scenario : Scenario, Plan or path
        A validated scenario, the plan compiled from one (:func:`sim.plan.compile_plan`), or a
        scenario file to load.
    reps : int, optional
        Replications (default: the scenario's ``reps``).
    seed : int, optional
        Seed of the run's ``SeedSequence`` (default: the scenario's ``seed``).
    keep_trajectories : bool
        Keep every measure of every replication on every day (memory: reps x days).
    samples : int
        Number of replications whose full trajectories are kept for plots.
    progress : bool
        Show a progress bar.
    batch_blocks : int, optional
        Run the replications in batches of this many blocks of 1,000, one after another
        (results are identical for any batch size; trajectories are kept to merge them).
    values : dict, optional
        Per-replication parameter values by field path, replacing draws (posterior samples,
        sweep points).  Each array has one value per replication.
    recorders : list, optional
        Extra recorders (objects with ``record(day, measures)``) fed every day; only without
        ``batch_blocks``.
    workers : int, optional
        Threads sharing out the blocks of replications (at most one per block; None: every
        available CPU).  The compiled daily step runs outside the GIL and each block draws
        from its own streams, so the numbers are the same for any number of workers.
    fixed : dict, optional
        Deprecated name of ``values``.

    Returns
    -------
    Result
    """
    if fixed is not None:
        if values is not None:
            raise TypeError("give values or fixed (its deprecated name), not both")
        warnings.warn("run(fixed=...) is deprecated; use run(values=...)", DeprecationWarning, stacklevel=2)
        values = fixed
    plan = scenario if isinstance(scenario, Plan) else None
    if plan is not None:
        scenario = plan.scenario
    elif not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    reps = scenario.reps if reps is None else int(reps)
    seed = scenario.seed if seed is None else int(seed)
    check_run_size(reps, seed)
    workers = check_workers(workers)
    plan = plan or compile_plan(scenario)
    _check_values(plan, values, reps)
    blocks = blocks_for(reps)
    days = plan.days
    n_samples = min(samples, reps)
    bar = None
    try:
        if progress:
            bar, task = _progress_bar(days, scenario.name)
            bar.start()
        if batch_blocks is None:
            on_day = (lambda d: bar.update(task, completed=d + 1)) if bar else None
            out = _run_together(
                plan, seed, blocks, values, workers, on_day, n_samples, keep_trajectories, recorders or []
            )
        else:
            on_batch = (lambda share: bar.update(task, completed=days * share)) if bar else None
            out = _run_in_batches(plan, seed, blocks, values, batch_blocks, on_batch, n_samples, keep_trajectories)
    finally:
        if bar:
            bar.stop()
    return Result(
        scenario=scenario,
        seed=seed,
        reps=reps,
        version=__version__,
        dates=plan.dates,
        q=out.q,
        mean=out.mean,
        first_crossing=out.first,
        holds_on=out.holds_on,
        samples=out.samples,
        trajectories=out.trajectories,
        phase_days=plan.phase_days,
        arrival_days=sorted({u.arrive for u in plan.units if u.arrive is not None}),
        measures=plan.measures,
    )


class _Outcome(NamedTuple):
    """What the replications of a run give its :class:`Result`."""

    q: np.ndarray
    mean: np.ndarray
    first: dict[str, np.ndarray]
    holds_on: dict[str, np.ndarray]
    samples: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray] | None


def _run_together(
    plan: Plan,
    seed: int,
    blocks,
    values,
    workers: int,
    on_day,
    n_samples: int,
    keep_trajectories: bool,
    recorders: list,
) -> _Outcome:
    """Run every block at once, ``workers`` threads sharing them out; the quantiles are counted
    in compiled code, day by day."""
    store = TrajectoryRecorder(plan.days, sum(n for _, n in blocks), plan.measures) if keep_trajectories else None
    recs = [*([store] if store else []), *recorders]
    engine = Engine(
        plan, seed, blocks, recs, values=values, on_day=on_day, threads=workers, summary=True, samples=n_samples
    ).run()
    return _Outcome(engine.q, engine.mean, engine.first, engine.holds_on, engine.samples, store.data if store else None)


def _check_values(plan: Plan, values: dict[str, np.ndarray] | None, reps: int) -> None:
    """Refuse given values that name no parameter of the plan, or not one per replication."""
    if not values:
        return
    unknown = sorted(set(values) - set(plan.params))
    if unknown:
        raise ValueError(
            f"values names no parameter of this scenario: {unknown}; known: {', '.join(plan.param_paths())}"
        )
    bad = {k: np.shape(v) for k, v in values.items() if np.shape(v) != (reps,)}
    if bad:
        raise ValueError(f"values need one value per replication ({reps}); got {bad}")


def _run_in_batches(
    plan: Plan, seed: int, blocks, values, batch_blocks: int, on_batch, n_samples: int, keep_trajectories: bool
) -> _Outcome:
    """Run ``batch_blocks`` blocks at a time, one engine after another, keeping every trajectory
    to merge them."""
    if batch_blocks < 1:
        raise ValueError("batch_blocks must be >= 1")
    parts, firsts, ons = [], [], []
    done = 0
    for i in range(0, len(blocks), batch_blocks):
        chunk = blocks[i : i + batch_blocks]
        n = sum(c for _, c in chunk)
        rec = TrajectoryRecorder(plan.days, n, plan.measures)
        eng = Engine(plan, seed, chunk, [rec], values=_rows(values, done, n)).run()
        done += n
        parts.append(rec)
        firsts.append(eng.first)
        ons.append(eng.holds_on)
        if on_batch is not None:
            on_batch(min(1.0, (i + batch_blocks) / len(blocks)))
    merged = TrajectoryRecorder(0, 0, plan.measures)
    merged.data = {k: np.concatenate([p.data[k] for p in parts]) for k in parts[0].data}
    first = {k: np.concatenate([f[k] for f in firsts]) for k in firsts[0]}
    holds_on = {k: np.concatenate([o[k] for o in ons]) for k in ons[0]}
    q, mean = merged.quantiles()
    samples = {k: v[:n_samples] for k, v in merged.data.items()}
    return _Outcome(q, mean, first, holds_on, samples, merged.data if keep_trajectories else None)
