"""Projecting with posterior samples: each replication draws one row of calibrated parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .plan import compile_plan
from .scenario import Scenario


class PosteriorError(ValueError):
    """A posterior file that cannot be used with a scenario (one-line message)."""


def posterior_draws(path: str | Path, scenario: Scenario, reps: int, seed: int) -> dict[str, np.ndarray]:
    """Per-replication parameter values drawn (with replacement, seeded) from a Parquet file
    of posterior samples whose columns are parameter paths of ``scenario``.

    Columns that are not parameter paths (``walker``, ``step``, ``log_prob``...) are ignored;
    at least one column must be a parameter path.
    """
    import pandas as pd

    src = str(path)
    p = Path(path)
    if not p.exists():
        raise PosteriorError(f"{src}: no such posterior file")
    try:
        frame = pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise PosteriorError(f"{src}: not a readable Parquet file ({type(exc).__name__})") from None
    known = set(compile_plan(scenario).params)
    cols = [c for c in frame.columns if c in known]
    if not cols:
        raise PosteriorError(f"{src}: no column names a parameter of {scenario.name} "
                             f"(columns: {', '.join(map(str, frame.columns))})")
    if len(frame) == 0:
        raise PosteriorError(f"{src}: holds no samples")
    values = frame[cols].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise PosteriorError(f"{src}: holds values that are not finite numbers")
    rows = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31,))).integers(0, len(frame), reps)
    return {c: values[rows, i] for i, c in enumerate(cols)}
