"""Calibration: fit scenario parameters to reported figures, with a real posterior.

>>> import sim
>>> cal = sim.calibrate("scenarios/kursk-baseline.yaml", "scenarios/estimates/dprk-kursk.yaml",
...                     fit=["postures.combat.daily_rate"], until="2025-01-30")
>>> cal.parameters                        # prior and posterior median, 90% interval, ESS, R-hat
>>> cal.inference_data()                  # the chain as an arviz.InferenceData
>>> cal.save("out/kursk-calibration")     # posterior.parquet, posterior.nc, summary.json, PNGs

Modules: :mod:`.priors` (the scenario's distributions as priors), :mod:`.observations` (the
observation model and synthetic likelihood), :mod:`.sampler` (simulation with common random
numbers, emcee), :mod:`.fit` (:func:`calibrate`), :mod:`.posterior_fit` (:class:`Calibration`),
:mod:`.diagnostics` (the chain as ArviZ data; ESS and R-hat), :mod:`.charts` (the fit chart,
ArviZ's trace and pair plots).
"""

from .fit import calibrate
from .observations import Observation
from .posterior_fit import Calibration
from .priors import CalibrationError, Prior

__all__ = ["Calibration", "CalibrationError", "Observation", "Prior", "calibrate"]
