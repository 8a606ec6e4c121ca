"""Tier 4: directional tests.  Same seed in each pair (common random numbers), and gaps
large enough that the medians of 1,000 runs cannot swap."""

import numpy as np

import sim
from conftest import make

HALF = {"half": {"measure": "effective", "below": 0.5, "of": "peak_effective"}}


def median_day(s, seed=4):
    first = sim.run(s, reps=1000, seed=seed).first_crossing["half"]
    first = np.where(first < 0, 10**6, first)
    return float(np.median(first))


def test_higher_rate_crosses_earlier():
    low = make(postures={"combat": {"daily_rate": 0.008}}, thresholds=HALF)
    high = make(postures={"combat": {"daily_rate": 0.012}}, thresholds=HALF)
    # ln 2 / 0.008 ~ 87 days against ln 2 / 0.012 ~ 58 days.
    assert median_day(high) < median_day(low) - 20


def test_return_to_duty_crosses_later():
    base = {"postures": {"combat": {"daily_rate": 0.01}}, "casualties": {"killed": 0.2}, "thresholds": HALF}
    none = make(**base, wounded={"return_to_duty": 0.0})
    half = make(**base, wounded={"return_to_duty": 0.6, "recovery_days": {"mean": 14, "min": 7}})
    assert median_day(half) > median_day(none) + 20


def test_reinforcement_crosses_later():
    s0 = make(postures={"combat": {"daily_rate": 0.01}}, thresholds=HALF)
    s1 = make(
        postures={"combat": {"daily_rate": 0.01}},
        thresholds=HALF,
        reinforcements=[{"name": "b", "arrive": "2025-02-01", "size": 3000}],
    )
    assert median_day(s1) > median_day(s0) + 10


def test_pullback_crosses_later():
    s0 = make(postures={"combat": {"daily_rate": 0.01}, "rear": {}}, thresholds=HALF)
    s1 = make(
        postures={"combat": {"daily_rate": 0.01}, "rear": {}},
        thresholds=HALF,
        phases=[
            {"from": "2025-01-01", "posture": "combat"},
            {"from": "2025-01-20", "posture": "rear"},
            {"from": "2025-02-19", "posture": "combat"},
        ],
    )
    # A 30-day pause moves the crossing about 30 days later.
    assert 25 <= median_day(s1) - median_day(s0) <= 35
