"""Tier 1: cases exact enough to check by hand."""

import numpy as np
import pandas as pd

import sim
from conftest import make


def test_constant_count_reaches_zero_on_day_100():
    # 10,000 people, exactly 100 casualties a day (no noise), nobody returns: the last
    # hundred fall on the 100th day, i.e. day index 99.
    s = make(
        postures={"combat": {"per_day": 100, "noise": "none"}},
        thresholds={"gone": {"measure": "effective", "at_most": 0}},
    )
    r = sim.run(s, reps=3, seed=0, keep_trajectories=True)
    eff = r.trajectories["effective"]
    expected = np.maximum(10_000 - 100 * (np.arange(len(r.dates)) + 1), 0)
    assert (eff == expected).all()
    assert (r.first_crossing["gone"] == 99).all()
    assert r.thresholds.loc[0, "q50"] == pd.Timestamp("2025-04-10")  # 1 January + 99 days
    assert (r.first_crossing_dates("gone") == "2025-04-10").all()


def test_fractional_count_carries_over():
    # 2.5 a day without noise: 2, 3, 2, 3, ... so exactly 25 after 10 days.
    s = make(postures={"combat": {"per_day": 2.5, "noise": "none"}}, end="2025-01-10")
    r = sim.run(s, reps=2, seed=0, keep_trajectories=True)
    assert list(r.trajectories["killed"][0]) == [2, 5, 7, 10, 12, 15, 17, 20, 22, 25]


def test_fixed_recovery_delay_returns_everyone_on_time():
    # 100 casualties on day 0 only (a one-day combat phase), all wounded, all return after a
    # fixed 5-day delay (min == mean): back on duty at the start of day 5.
    s = make(
        phases=[{"from": "2025-01-01", "posture": "combat"}, {"from": "2025-01-02", "posture": "rear"}],
        postures={"combat": {"per_day": 100, "noise": "none"}, "rear": {}},
        casualties={"killed": 0.0},
        wounded={"return_to_duty": 1.0, "recovery_days": {"mean": 5, "min": 5}},
        end="2025-01-10",
    )
    r = sim.run(s, reps=2, seed=0, keep_trajectories=True)
    eff = r.trajectories["effective"][0]
    care = r.trajectories["wounded_in_care"][0]
    assert list(eff[:6]) == [9900, 9900, 9900, 9900, 9900, 10000]
    assert list(care[:6]) == [100, 100, 100, 100, 100, 0]
    assert r.trajectories["returned_to_duty"][0, -1] == 100


def test_rotation_moves_people_out_and_replacement_in():
    s = make(
        postures={"combat": {}},
        rotations=[{"unit": "a", "leave": "2025-02-01", "lead_days": 10, "size": 4000}],
    )
    r = sim.run(s, reps=2, seed=0, keep_trajectories=True)
    t = r.trajectories
    d_leave, d_arrive = 31, 41
    assert t["effective"][0, d_leave - 1] == 10_000
    assert t["effective"][0, d_leave] == 0 and t["rotated_out"][0, d_leave] == 10_000
    assert t["effective"][0, d_arrive] == 4000 and t["arrived"][0, d_arrive] == 14_000
    assert t["deployed"][0, d_arrive] == 4000


def test_policy_sends_from_finite_reserve_once_below_level():
    # Fall below 9,000 effective, send 500 after 7 days, at most what the reserve of 1,200 holds.
    s = make(
        postures={"combat": {"per_day": 100, "noise": "none"}},
        policy=[{"name": "top-up", "when": {"measure": "effective", "below": 9000}, "send": 500, "delay_days": 7}],
        reserve=1200,
        end="2025-03-31",
    )
    r = sim.run(s, reps=2, seed=0, keep_trajectories=True)
    arrived = r.trajectories["arrived"][0]
    assert arrived[-1] == 10_000 + 1200  # 500 + 500 + the last 200
    jumps = np.flatnonzero(np.diff(arrived)) + 1
    # Day 10 ends below 9,000 (10,000 - 11 x 100 = 8,900): first dispatch arrives on day 17.
    assert jumps[0] == 17
    assert list(np.diff(arrived)[jumps - 1]) == [500, 500, 200]
