"""The engine against the obvious one-process-per-replication model: same distributions."""

import numpy as np

import sim
from conftest import ROOT
from sim.reference import REFERENCE_MEASURES, run_reference


def test_engine_agrees_with_reference_model():
    # The Kursk baseline to the end of March 2025 (arrivals, rear duty, combat, pullback, return
    # to combat; wounded and disease flows).  Both use the same parameter draws, so they differ
    # only in process noise: the mean over 400 runs must agree within 4 standard errors of
    # the difference of two means, on every 10th day, for every compared measure.
    # The reference model takes fixed dates: the baseline's pullback and return on their likeliest
    # days, without the chance of adapted tactics (uncertain timing has analytic tests of its own).
    fixed = [
        "phases=[{from: 2024-11-20, posture: rear}, {from: 2024-12-06, posture: combat},"
        " {from: 2025-01-16, posture: withdrawn}, {from: 2025-02-06, posture: combat}]"
    ]
    s = sim.load_scenario(ROOT / "scenarios" / "kursk-baseline.yaml", fixed)
    s = s.model_copy(update={"end": s.start.replace(year=2025, month=3, day=31)})
    reps = 400
    ref = run_reference(s, reps, seed=21)
    eng = sim.run(s, reps=reps, seed=21, keep_trajectories=True).trajectories
    for m in REFERENCE_MEASURES:
        a, b = ref[m][:, ::10].astype(float), eng[m][:, ::10].astype(float)
        se = np.sqrt((a.var(axis=0) + b.var(axis=0)) / reps) + 1e-9
        z = np.abs(a.mean(axis=0) - b.mean(axis=0)) / se
        assert z.max() < 4, (m, z.max())
