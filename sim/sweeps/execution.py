"""``sweep(scenario, params, ...) -> DataFrame``: run a sensitivity sweep.

The points of a design are grouped into fixed batches; each batch is one engine run (see
:mod:`sim.sweeps.worker`), sent to a backend (:mod:`sim.sweeps.backends`), and its rows are
written as soon as it finishes (:mod:`sim.sweeps.store`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..parallel import check_workers
from ..scenario import Scenario
from . import designs
from .backends import BackendError, ClusterLost, backend
from .spec import Sweep, make_sweep
from .store import MANIFEST, SweepStore, schema
from .worker import BatchTask, run_batch


def sweep(
    scenario: Scenario | str | Path,
    params: dict[str, Any] | list[str] | None = None,
    *,
    design: str | None = None,
    n: int | None = None,
    outputs: list[Any] | None = None,
    reps: int | None = None,
    seed: int | None = None,
    levels: int | None = None,
    second_order: bool | None = None,
    batch_points: int | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    file: str | Path | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sensitivity sweep over scenario parameters.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to sweep.
    params : dict or list of str
        Swept parameters by field path: ``{"wounded.return_to_duty": "0.0:0.6",
        "postures.combat.daily_rate": {"uniform": [0.004, 0.012]}}``.
    design : str
        ``grid``, ``oat`` (one at a time; the default), ``lhs``, ``morris`` or ``sobol``.
    n : int
        The design's size: levels per parameter (grid, oat), points (lhs), trajectories
        (morris) or base samples, a power of 2 (sobol).
    outputs : list
        Output names such as ``"median_day:combat_ineffective"``, ``"p_holds:<claim>"`` or
        ``"mean:effective@2025-06-01"`` (see :mod:`sim.sweeps.scalars`).
    reps : int
        Replications per point, averaged [default 200].
    seed : int
        The sweep's seed [default: the scenario's].
    levels, second_order
        Morris grid levels; Sobol second-order indices.
    batch_points : int
        Points per engine run [default: about 5,000 replications a run].
    overrides : list of str
        ``path=value`` scenario overrides.
    file : path
        A sweep file (see :mod:`sim.sweeps.spec`); the arguments above win over it.
    out : path, optional
        A folder to write the results into as they arrive; without it nothing is written.
    resume : bool
        Continue the sweep already in ``out`` (it must have the same settings).
    workers : int, optional
        Local worker processes (1: run in this process; None: every available CPU; see
        :mod:`sim.parallel`).
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:port``); replaces the local workers.
    progress : bool
        Show a progress bar (on a terminal only).

    Returns
    -------
    DataFrame
        One row per point: ``point``, ``batch``, ``seed``, ``reps``, the parameters by path
        (and ``varied`` for ``oat``), then the outputs (a median day after the end is missing,
        see :mod:`sim.sweeps.scalars`).  ``frame.attrs["sweep"]`` holds the sweep's settings,
        which the analysis functions read; ``frame.attrs["points_run"]`` the number of points
        this call ran (fewer than the rows when resuming).
    """
    sw = make_sweep(
        scenario,
        file=file,
        params=params,
        design=design,
        n=n,
        levels=levels,
        second_order=second_order,
        outputs=outputs,
        reps=reps,
        seed=seed,
        batch_points=batch_points,
        overrides=overrides,
    )
    return run_sweep(sw, out=out, resume=resume, workers=workers, scheduler=scheduler, progress=progress)


def tasks_for(sw: Sweep, design: pd.DataFrame, skip: set[int] = frozenset()) -> list[BatchTask]:
    """One task per batch not in ``skip``."""
    scenario_json = sw.scenario_json
    outputs = tuple(o.column for o in sw.outputs)
    values = design[sw.paths].to_numpy()
    tasks = []
    for b in range(sw.batches):
        if b in skip:
            continue
        lo, hi = b * sw.batch_points, min((b + 1) * sw.batch_points, sw.points)
        tasks.append(
            BatchTask(
                batch=b,
                points=tuple(range(lo, hi)),
                values=tuple(map(tuple, values[lo:hi].tolist())),
                paths=tuple(sw.paths),
                scenario_json=scenario_json,
                outputs=outputs,
                reps=sw.reps,
                seed=sw.seed,
                batch_points=sw.batch_points,
            )
        )
    return tasks


def batch_table(sw: Sweep, design: pd.DataFrame, result: dict[str, Any]) -> pa.Table:
    """A finished batch's rows: the points' design rows, seed and replications, and outputs."""
    cols = result["columns"]
    rows = design.set_index("point").loc[cols["point"]].reset_index()
    data: dict[str, Any] = {
        "point": rows["point"],
        "batch": rows["batch"],
        "seed": [sw.seed] * len(rows),
        "reps": [sw.reps] * len(rows),
    }
    for c in designs.design(sw.design).extra_columns:
        data[c] = rows[c]
    for p in sw.paths:
        data[p] = rows[p]
    for c in sw.columns:
        data[c] = cols[c]
    return pa.Table.from_pydict({k: list(v) for k, v in data.items()}, schema=schema(sw))


def _progress(total: int, done: int, label: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} points,"),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
        transient=True,
    )
    task = bar.add_task(label, total=total, completed=done)
    return bar, task


def run_sweep(
    sw: Sweep,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: bool = False,
    on_start: Callable[[str, int], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run a checked :class:`Sweep` (see :func:`sweep` for the arguments).

    ``on_start(backend, points)``, if given, is called once the backend is ready and the folder
    written, with the backend's description and the number of points left to run.
    ``on_notice(message)`` receives one-line notices on the way (a damaged part file set aside,
    a Dask cluster without workers); by default they go to stderr.
    """
    notice = on_notice or _to_stderr
    store = SweepStore(out) if out is not None else None
    fresh = True
    if store is not None:
        if resume and (store.dir / MANIFEST).exists():
            store.check_resume(sw)
            fresh = False
        else:
            store.check_new()
    elif resume:
        raise InputError("--resume", "out", "resuming needs the sweep's folder")
    design = sw.design_frame()
    done = store.check_parts(sw, notice) if store is not None and not fresh else set()
    tasks = tasks_for(sw, design, done)
    workers = check_workers(workers)
    # More workers than batches would only idle; the numbers do not depend on it.
    be = backend(min(workers, len(tasks)), scheduler, notice) if tasks else None
    try:
        if store is not None and fresh:
            store.create(sw, design)
        points_done = sum(min(sw.batch_points, sw.points - b * sw.batch_points) for b in done)
        if on_start is not None:
            on_start(be.name if be else "nothing (every point is done)", sw.points - points_done)
        show = progress and sys.stderr.isatty()
        bar = _progress(sw.points, points_done, sw.scenario.name) if show else None
        kept = _collect(sw, design, be, tasks, store, bar) if be else []
    finally:
        if be is not None:
            be.close()
    if store is not None:
        frame = store.read()
    else:
        frame = pa.concat_tables(kept).to_pandas(date_as_object=False).sort_values("point", ignore_index=True)
    frame.attrs["sweep"] = sw.manifest()
    # The points this call ran: a resume counts only those it did, not those already on disk.
    frame.attrs["points_run"] = sw.points - points_done
    return frame


def _collect(
    sw: Sweep, design: pd.DataFrame, be: Any, tasks: list[BatchTask], store: SweepStore | None, bar: Any
) -> list[pa.Table]:
    """Run ``tasks`` on ``be`` and write each batch's rows as it finishes (or, without a store,
    return them); a lost cluster stops the sweep with what is done kept."""
    kept: list[pa.Table] = []
    finished = sw.batches - len(tasks)
    progress, bar_task = bar or (None, None)
    try:
        with progress or nullcontext():
            for result in be.map(run_batch, tasks):
                table = batch_table(sw, design, result)
                if store is not None:
                    store.write_part(result["batch"], table)
                else:
                    kept.append(table)
                finished += 1
                if progress is not None:
                    progress.update(bar_task, advance=table.num_rows)
    except ClusterLost as exc:
        then = (
            "run again with --resume to continue"
            if store is not None
            else "nothing was kept (give an out folder to keep batches as they finish)"
        )
        raise BackendError(f"{exc} after {finished} of {sw.batches} batches; {then}") from None
    return kept


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_sweep(out_dir: str | Path) -> pd.DataFrame:
    """The finished points of the sweep in ``out_dir``, with its settings in ``attrs``."""
    store = SweepStore(out_dir)
    manifest = store.manifest()
    frame = store.read()
    frame.attrs["sweep"] = manifest
    return frame
