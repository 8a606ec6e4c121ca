"""Attrition projection simulator.

>>> import sim
>>> s = sim.load_scenario("scenarios/kursk-baseline.yaml")
>>> result = sim.run(s, reps=2000, seed=1)
>>> result.thresholds          # first-crossing dates per threshold
>>> result.plot("effective")   # fan chart
"""

__version__ = "0.1.0"

from .params import Param  # noqa: E402
from .results import Result  # noqa: E402
from .runner import run  # noqa: E402
from .scenario import MEASURES, Scenario, ScenarioError, load_scenario  # noqa: E402

__all__ = ["MEASURES", "Param", "Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "run"]
