"""Tier 2: analytic results with stated tolerances (fixed seeds: these never flake)."""

import math

import numpy as np

import sim
from conftest import make
from sim.rates import probability_from_rate


def test_constant_rate_gives_exponential_decay():
    # A per-person hazard r (per day) is a daily probability p = 1 - exp(-r); an unreplenished
    # force then has mean N exp(-r t) after t days.  The mean over R runs has standard error
    # sqrt(N S (1 - S) / R) <= sqrt(10,000 * 0.25 / 2,000) ~ 1.1 people; allow 5 of them.
    r, n = 0.01, 10_000
    s = make(postures={"combat": {"daily_rate": probability_from_rate(r)}})
    res = sim.run(s, reps=2000, seed=11)
    mean = res.measure("effective")["mean"].to_numpy()
    t = np.arange(len(mean)) + 1  # the first day's losses are in day 0's closing count
    assert np.max(np.abs(mean - n * np.exp(-r * t))) < 5 * math.sqrt(n * 0.25 / 2000)


def test_poisson_count_has_poisson_spread():
    # per_day 50 with Poisson noise: killed after 40 days ~ Poisson(2,000): mean 2,000, sd 44.7.
    # Over 4,000 runs the sample mean is within 4 standard errors (4 * 44.7 / sqrt(4000) = 2.8)
    # and the sample sd within 5% of 44.7.
    s = make(postures={"combat": {"per_day": 50}}, end="2025-02-09")
    res = sim.run(s, reps=4000, seed=5, keep_trajectories=True)
    killed = res.trajectories["killed"][:, -1]
    assert abs(killed.mean() - 2000) < 2.8
    assert abs(killed.std() / math.sqrt(2000) - 1) < 0.05


def test_geometric_recovery_delay_has_stated_mean():
    # Everyone wounded on day 0 returns after min 3 days plus a geometric wait: mean 12 days.
    # Mean return day over ~50,000 people: standard error ~ 9 / sqrt(50,000) = 0.04; allow 0.2.
    s = make(
        phases=[{"from": "2025-01-01", "posture": "combat"}, {"from": "2025-01-02", "posture": "rear"}],
        postures={"combat": {"per_day": 1000, "noise": "none"}, "rear": {}},
        casualties={"killed": 0.0},
        wounded={"return_to_duty": 1.0, "recovery_days": {"mean": 12, "min": 3}},
    )
    res = sim.run(s, reps=50, seed=3, keep_trajectories=True)
    back = np.diff(res.trajectories["returned_to_duty"], axis=1, prepend=0).sum(axis=0)
    mean_day = (np.arange(len(back)) * back).sum() / back.sum()
    assert back[:3].sum() == 0
    assert abs(mean_day - 12) < 0.2


def test_casualty_split_matches_shares():
    # 10% killed, 5% missing, rest wounded; of the wounded 30% return, 10% die of wounds.
    # Tolerances: 4 binomial standard errors on ~ 200,000 casualties.
    s = make(
        postures={"combat": {"per_day": 200}},
        casualties={"killed": 0.1, "missing": 0.05},
        wounded={"return_to_duty": 0.3, "died_of_wounds": 0.1, "recovery_days": {"mean": 400, "min": 399}},
        end="2025-01-20",
    )
    res = sim.run(s, reps=50, seed=9)
    last = {m: res.mean[sim.MEASURES.index(m), -1] for m in sim.MEASURES}
    total = last["casualties"]
    for share, got in ((0.1, last["killed"]), (0.05, last["missing"]), (0.85, last["wounded"])):
        se = math.sqrt(share * (1 - share) / (total * 50))
        assert abs(got / total - share) < 4 * se
    w = last["wounded"]
    assert abs(last["died_of_wounds"] / w - 0.1) < 4 * math.sqrt(0.09 / (w * 50))
    assert abs(last["wounded_in_care"] / w - 0.3) < 4 * math.sqrt(0.21 / (w * 50))
