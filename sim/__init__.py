"""Attrition projection simulator.

>>> import sim
>>> s = sim.load_scenario("scenarios/kursk-baseline.yaml")
>>> result = sim.run(s, reps=2000, seed=1)
>>> result.thresholds          # first-crossing dates per threshold
>>> result.plot("effective")   # fan chart

``import sim`` is cheap: each name below is imported from its module on first use, so a
script that only runs scenarios never loads the sweep or calibration layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "MEASURES": ".scenario",
    "InputError": ".errors",
    "Param": ".params",
    "Result": ".results",
    "Scenario": ".scenario",
    "ScenarioError": ".errors",
    "calibrate": ".calibration",
    "compare": ".calibration.compare",
    "decide": ".decision",
    "discover": ".decision",
    "load_scenario": ".loading",
    "run": ".runner",
    "score": ".scoring",
    "sweep": ".sweeps.execution",
}

__all__ = [
    "MEASURES",
    "InputError",
    "Param",
    "Result",
    "Scenario",
    "ScenarioError",
    "__version__",
    "calibrate",
    "compare",
    "decide",
    "discover",
    "load_scenario",
    "run",
    "score",
    "sweep",
]

if TYPE_CHECKING:  # pragma: no cover
    from .calibration import calibrate
    from .calibration.compare import compare
    from .decision import decide, discover
    from .errors import InputError, ScenarioError
    from .loading import load_scenario
    from .params import Param
    from .results import Result
    from .runner import run
    from .scenario import MEASURES, Scenario
    from .scoring import score
    from .sweeps.execution import sweep


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
