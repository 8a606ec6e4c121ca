"""One batch of sweep points, run as one engine run: the unit of work sent to workers.

A batch is a fixed run of consecutive points (``batch_points`` of them, fewer in the last
batch).  Its replications are the points' replications one after another, ``reps`` each,
and its random numbers come from the sweep's seed and the batch's own blocks of the
engine's streams: batch ``b`` uses blocks ``b * K`` to ``b * K + K - 1``, where ``K`` is the
number of blocks a full batch needs.  So a point's numbers depend on the sweep's seed,
``reps``, ``batch_points`` and the point's place, never on which worker or backend runs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import Engine
from ..plan import Plan, compile_plan
from ..rules import from_data
from ..scenario import Scenario
from ..streams import BLOCK
from .scalars import Output, SnapshotRecorder, parse_output, point_outputs


@dataclass(frozen=True)
class BatchTask:
    """Everything a worker needs to run one batch (small, and picklable)."""

    batch: int
    points: tuple[int, ...]
    values: tuple[tuple[float, ...], ...]  # per point, the swept parameters' values
    paths: tuple[str, ...]
    scenario_json: str  # the resolved scenario, as JSON
    outputs: tuple[str, ...]
    reps: int
    seed: int
    batch_points: int


def batch_blocks(batch: int, points: int, reps: int, batch_points: int) -> list[tuple[int, int]]:
    """The engine blocks ``(index, replications)`` of a batch of ``points`` points."""
    per_batch = -(-batch_points * reps // BLOCK)
    total = points * reps
    return [(batch * per_batch + j, min(BLOCK, total - j * BLOCK)) for j in range(-(-total // BLOCK))]


@lru_cache(maxsize=4)
def _compiled(scenario_json: str) -> tuple[Scenario, Plan]:
    s = from_data(json.loads(scenario_json), "<sweep scenario>")
    return s, compile_plan(s)


def run_batch(task: BatchTask) -> dict[str, Any]:
    """Run a batch; returns its rows as columns (``point``, then every output column)."""
    s, plan = _compiled(task.scenario_json)
    outputs: list[Output] = [parse_output(o) for o in task.outputs]
    n = len(task.points)
    values = np.asarray(task.values, dtype=float).reshape(n, len(task.paths))
    per_rep = {path: np.repeat(values[:, i], task.reps) for i, path in enumerate(task.paths)}
    snaps = SnapshotRecorder(s, outputs)
    blocks = batch_blocks(task.batch, n, task.reps, task.batch_points)
    engine = Engine(plan, task.seed, blocks, [snaps], values=per_rep).run()
    first, holds_on = engine.first, engine.holds_on
    columns: dict[str, list[Any]] = {"point": list(task.points)}
    for i in range(n):
        rows = slice(i * task.reps, (i + 1) * task.reps)
        for k, v in point_outputs(outputs, s, plan.dates, first, holds_on, snaps.values, rows).items():
            columns.setdefault(k, []).append(v)
    return {"batch": task.batch, "columns": columns}
