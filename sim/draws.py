"""Each replication's parameter values: drawn from the scenario's distributions on their
fields' domains, or given (posterior samples, sweep points, calibration walkers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .domains import check_values, domain_of
from .plan import Plan
from .streams import Streams, param_keys


@dataclass
class Draws:
    """Per-replication parameter values for a batch."""

    values: dict[str, np.ndarray]

    def __getitem__(self, path: str) -> np.ndarray:
        return self.values[path]


def draw_params(plan: Plan, streams: Streams, values: dict[str, np.ndarray] | None = None) -> Draws:
    """Each replication's own parameter values, each on its field's domain (normal and
    lognormal draws truncated to it, see :mod:`sim.params`); ``values`` gives chosen paths
    per replication instead (posterior samples, sweep points).

    Raises
    ------
    sim.domains.DomainError
        When a given value lies outside its domain, or shares of one whole sum past 1.
    """
    out = {}
    param_keys(plan.param_paths())  # two paths on one stream would draw the same numbers
    for path in plan.param_paths():
        if values and path in values:
            out[path] = np.asarray(values[path], dtype=float)
        else:
            low, high, _ = domain_of(path)
            out[path] = streams.param(path, partial(plan.params[path].sample, low=low, high=high))
    check_values(out, row="replication")
    return Draws(out)
