"""Intensity that changes: a rate tied to another posture's, a trend per 30 days, day-to-day
variation of a per-person rate (a Cox process).  Exact and analytic cases, and bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hostile import refused

import sim
from conftest import make, write
from sim.engine import Engine
from sim.plan import compile_plan
from sim.streams import blocks_for

BASE = {
    "name": "intensity",
    "start": "2025-01-01",
    "end": "2025-03-01",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 10_000}],
    "initial_posture": "combat",
    "postures": {"combat": {"daily_rate": {"uniform": [0.005, 0.02]}}},
    "casualties": {"killed": 1.0},
    "disease": {"daily_rate": 0.0},
}


def scenario(**changes) -> sim.Scenario:
    return make(BASE, **changes)


def test_a_tied_rate_moves_exactly_with_its_base():
    postures = {
        "combat": {"daily_rate": {"uniform": [0.005, 0.02]}},
        "adapted": {"daily_rate": {"of": "combat", "times": {"uniform": [0.2, 1.0]}}},
    }
    plan = compile_plan(scenario(postures=postures))
    engine = Engine(plan, 4, blocks_for(500))
    rate = engine.params[15]  # each replication's daily rate by posture, before trend and variation
    times = engine.streams.param("postures.adapted.daily_rate.times", lambda g, n: plan.params[
        "postures.adapted.daily_rate.times"].sample(g, n, 0.0, 1000.0))  # fmt: skip
    np.testing.assert_allclose(rate[:, 1], rate[:, 0] * times, rtol=1e-15)
    assert len(np.unique(rate[:, 0])) == 500  # the base is drawn per replication


def test_a_rate_tied_at_times_one_gives_the_very_same_run():
    tied = {
        "combat": {"daily_rate": {"uniform": [0.005, 0.02]}},
        "adapted": {"daily_rate": {"of": "combat", "times": 1.0}},
    }
    phases = [{"from": "2025-01-20", "posture": "adapted"}]
    a = sim.run(scenario(postures=tied, phases=phases), reps=300, seed=9, keep_trajectories=True)
    b = sim.run(scenario(postures={"combat": tied["combat"]}), reps=300, seed=9, keep_trajectories=True)
    for m in ("effective", "killed"):
        np.testing.assert_array_equal(a.trajectories[m], b.trajectories[m])


def test_a_trend_scales_a_per_day_count_by_its_factor_per_30_days():
    postures = {"combat": {"per_day": 100, "noise": "none", "trend": 0.5}}
    r = sim.run(scenario(postures=postures), reps=3, seed=1, keep_trajectories=True)
    daily = np.diff(r.trajectories["killed"], axis=1, prepend=0)
    expected, carry = [], 0.0
    for day in range(daily.shape[1]):  # the count carries its fraction as without a trend
        carry += 100 * math.exp(math.log(0.5) * day / 30)
        n = math.floor(carry + 1e-9)
        carry -= n
        expected.append(n)
    assert daily.tolist() == [expected] * 3
    assert expected[0] == 100 and expected[30] in (49, 50, 51)


def test_a_trend_counts_from_the_day_the_posture_began():
    postures = {"rear": {}, "combat": {"per_day": 100, "noise": "none", "trend": 0.5}}
    phases = [{"from": "2025-01-31", "posture": "combat"}]
    r = sim.run(scenario(postures=postures, initial_posture="rear", phases=phases), reps=2, seed=1,
                keep_trajectories=True)  # fmt: skip
    daily = np.diff(r.trajectories["killed"], axis=1, prepend=0)
    assert daily[0, 29] == 0 and daily[0, 30] == 100  # full strength on its first day


def test_daily_variation_gives_the_mixed_binomial_variance():
    # One day of Binomial(10,000, 0.005 G), G a gamma factor of mean 1 and cv 0.5:
    # mean n p = 50; variance n p - n p^2 (1 + cv^2) + n^2 p^2 cv^2 = 674.69.
    s = scenario(postures={"combat": {"daily_rate": 0.005, "daily_cv": 0.5}}, end="2025-01-02")
    r = sim.run(s, reps=40_000, seed=5, keep_trajectories=True)
    x = r.trajectories["killed"][:, 0]
    # Standard error of the mean: sqrt(674.69 / 40,000) = 0.13; 4 of them is 0.52.
    assert abs(x.mean() - 50) < 0.52
    # The variance's standard error here is about 1.5% (gamma tails): 6% is four of them.
    assert abs(x.var() / 674.69 - 1) < 0.06
    plain = sim.run(scenario(postures={"combat": {"daily_rate": 0.005}}, end="2025-01-02"), reps=40_000, seed=5,
                    keep_trajectories=True).trajectories["killed"][:, 0]  # fmt: skip
    assert plain.var() < 60  # binomial alone: 49.75


def test_daily_variation_widens_the_range_of_a_months_losses():
    s = scenario(postures={"combat": {"daily_rate": 0.01, "daily_cv": 1.0}})
    t = sim.run(s, reps=2_000, seed=6, keep_trajectories=True).trajectories["killed"][:, 29]
    plain = sim.run(scenario(postures={"combat": {"daily_rate": 0.01}}), reps=2_000, seed=6, keep_trajectories=True)
    p = plain.trajectories["killed"][:, 29]
    spread = np.subtract(*np.quantile(t, [0.9, 0.1]))
    assert spread > 3 * np.subtract(*np.quantile(p, [0.9, 0.1]))
    assert abs(t.mean() / p.mean() - 1) < 0.05  # the mean stays (about; the rate is capped at 1)


@pytest.mark.parametrize(
    ("postures", "expect"),
    [
        ({"combat": {"daily_rate": {"of": "nobody", "times": 0.5}}}, "not among postures"),
        (
            {"combat": {"per_day": 10}, "adapted": {"daily_rate": {"of": "combat", "times": 0.5}}},
            "no daily_rate of its own",
        ),
        (
            {"combat": {"daily_rate": 0.4}, "adapted": {"daily_rate": {"of": "combat", "times": 3}}},
            "could exceed 1",
        ),
        ({"combat": {"daily_rate": 0.01}, "adapted": {"daily_rate": {"of": "combat"}}}, "times: <multiple>"),
        ({"combat": {"daily_rate": 0.01, "trend": 0}}, "trend"),
        ({"combat": {"daily_rate": 0.01, "daily_cv": -1}}, "daily_cv"),
    ],
)
def test_bad_intensity_is_refused_in_one_line(tmp_path, postures, expect):
    data = copy.deepcopy(BASE)
    data["postures"] = postures
    path = write(tmp_path / "bad.yaml", data)
    refused(["run", str(path), "--reps", "10"], tmp_path, expect)
