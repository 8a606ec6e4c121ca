"""Projecting with posterior samples: each replication draws one row of calibrated parameters.

A posterior file is Parquet, one row per sample, one column per parameter path (plus any
bookkeeping columns such as ``walker``, ``step`` and ``log_prob``, which are ignored).  Drawing
whole rows keeps the correlations between the calibrated parameters.

Every value must lie in its parameter's domain (see :mod:`sim.domains`), and shares of one
whole (``casualties.killed`` and ``casualties.missing``, say) must not sum past 1: a file that
breaks either rule is refused, never clipped, naming the column and the first row at fault
(rows count from 0, as pandas numbers them).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .domains import upper_ends, violation
from .errors import InputError
from .plan import Plan, compile_plan
from .scenario import Scenario
from .streams import generator

#: Parquet schema metadata key under which ``calibrate`` stores how the samples were made.
METADATA_KEY = b"sim.calibration"


class PosteriorError(InputError):
    """A posterior file that cannot be used with a scenario; ``str()`` is one line naming the
    file and the rule."""


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """The samples of a posterior file and its calibration metadata (empty if none)."""
    import pyarrow.parquet as pq

    src = str(path)
    p = Path(path)
    if not p.exists():
        raise PosteriorError(src, "", "no such posterior file")
    if p.is_dir():
        raise PosteriorError(src, "", "is a directory, not a posterior file")
    try:
        table = pq.read_table(p)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise PosteriorError(src, "", f"not a readable Parquet file ({type(exc).__name__})") from None
    meta = (table.schema.metadata or {}).get(METADATA_KEY)
    try:
        info = json.loads(meta) if meta else {}
    except ValueError:
        info = {}
    return table.to_pandas(), info


def draws_from_frame(
    frame: pd.DataFrame, scenario: Scenario | Plan, reps: int, seed: int, source: str = "<posterior>"
) -> dict[str, np.ndarray]:
    """Per-replication parameter values: ``reps`` rows drawn with replacement (seeded) from
    ``frame``, restricted to the columns that are parameter paths of ``scenario``.

    Columns without a dot (``walker``, ``step``, ``log_prob``) are bookkeeping and ignored; a
    column with a dot that is not a parameter of ``scenario`` is an error, and so is a value
    outside its parameter's domain.  ``scenario`` may be given compiled (a
    :class:`~sim.plan.Plan`), so that a run with these values compiles it once.
    """
    plan = scenario if isinstance(scenario, Plan) else compile_plan(scenario)
    scenario, params = plan.scenario, plan.params
    known = set(params)
    cols = [c for c in frame.columns if c in known]
    # A column named like a field path must be a parameter here: dropping it silently would
    # project with its prior instead of its calibrated values (say, after a change of loss law).
    foreign = [str(c) for c in frame.columns if c not in known and "." in str(c)]
    if foreign:
        raise PosteriorError(
            source,
            "",
            f"column {foreign[0]!r} is not a parameter of {scenario.name} (parameters: {', '.join(sorted(known))})",
        )
    if not cols:
        raise PosteriorError(
            source,
            "",
            f"no column names a parameter of {scenario.name} (columns: {', '.join(map(str, frame.columns))})",
        )
    if len(frame) == 0:
        raise PosteriorError(source, "", "holds no samples")
    try:
        values = frame[cols].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise PosteriorError(source, "", "parameter columns must hold numbers") from None
    if not np.isfinite(values).all():
        raise PosteriorError(source, "", "holds values that are not finite numbers")
    problem = violation(dict(zip(cols, values.T, strict=True)), upper_ends(params))
    if problem is not None:
        raise PosteriorError(source, "", problem)
    rng = generator(seed, "posterior.rows")
    rows = rng.integers(0, len(frame), reps)
    return {c: values[rows, i] for i, c in enumerate(cols)}


def posterior_draws(path: str | Path, scenario: Scenario | Plan, reps: int, seed: int) -> dict[str, np.ndarray]:
    """Per-replication parameter values drawn (with replacement, seeded) from a Parquet file
    of posterior samples whose columns are parameter paths of ``scenario``.

    Columns without a dot (``walker``, ``step``, ``log_prob``) are ignored; every other
    column must be a parameter path of ``scenario`` (a scenario or its compiled plan), and
    there must be at least one.
    """
    frame, _ = read_posterior(path)
    return draws_from_frame(frame, scenario, reps, seed, str(path))


def write_posterior(path: Path, frame: pd.DataFrame, info: dict) -> None:
    """Write samples to Parquet with ``info`` (JSON) in the schema metadata."""
    write_parquet(path, frame, info, METADATA_KEY)


def write_parquet(path: Path, table, info: dict, key: bytes) -> None:
    """Write a table (a pandas frame, or a pyarrow table whose fields may carry metadata of their
    own) to Parquet with ``info`` as JSON in the schema metadata under ``key``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[key] = json.dumps(info, default=str).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
