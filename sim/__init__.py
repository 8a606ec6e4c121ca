"""Attrition projection simulator.

>>> import sim
>>> s = sim.load_scenario("scenarios/kursk-baseline.yaml")
>>> result = sim.run(s, reps=2000, seed=1)
>>> result.thresholds          # first-crossing dates per threshold
>>> result.plot("effective")   # fan chart
"""

__version__ = "0.1.0"

from .calibration import calibrate
from .params import Param
from .results import Result
from .runner import run
from .scenario import MEASURES, Scenario, ScenarioError, load_scenario
from .sweeps.runner import sweep

__all__ = ["MEASURES", "Param", "Result", "Scenario", "ScenarioError", "__version__", "calibrate", "load_scenario",
           "run", "sweep"]
