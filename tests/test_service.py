"""Terms of service, steady recruitment, rotations that state their replacement, and disease by
posture: exact cases, conservation and bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hostile import refused

import sim
from conftest import make, write

BASE = {
    "name": "service",
    "start": "2025-01-01",
    "end": "2025-04-30",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 1_000}],
    "initial_posture": "rear",
    "postures": {"rear": {}},
    "casualties": {"killed": 1.0},
    "disease": {"daily_rate": 0.0},
}


def scenario(**changes) -> sim.Scenario:
    return make(BASE, **changes)


def trajectories(s: sim.Scenario, reps: int = 20, seed: int = 1) -> dict[str, np.ndarray]:
    return sim.run(s, reps=reps, seed=seed, keep_trajectories=True).trajectories


def conserved(t: dict[str, np.ndarray]) -> bool:
    """Everyone who arrived is in exactly one place on every day of every replication."""
    places = ("effective", "wounded_in_care", "sick_in_care", "killed", "died_of_wounds", "evacuated")
    return bool((t["arrived"] == sum(t[k] for k in (*places, "missing", "rotated_out"))).all())


def test_a_unit_leaves_at_the_end_of_its_term():
    units = [{"name": "a", "arrive": "2025-01-11", "size": 1_000, "serves_days": 30}]
    t = trajectories(scenario(units=units))
    # Arrives on day 10, leaves on day 40: on duty days 10 to 39, then rotated out (not a loss).
    assert (t["effective"][:, 39] == 1_000).all() and (t["effective"][:, 40] == 0).all()
    assert (t["rotated_out"][:, -1] == 1_000).all() and (t["permanent_losses"][:, -1] == 0).all()
    assert conserved(t)


def test_an_uncertain_term_spreads_the_day_of_leaving():
    units = [{"name": "a", "arrive": "2025-01-01", "size": 1_000, "serves_days": {"uniform": [30, 60]}}]
    t = trajectories(scenario(units=units), reps=2_000)
    left = (t["effective"] == 0).argmax(axis=1)
    assert left.min() >= 30 and left.max() <= 60
    # Uniform from 30 to 60 days, rounded: mean 45; 4 standard errors of 2,000 draws is 0.8.
    assert abs(left.mean() - 45) < 0.8


def test_wounded_of_a_unit_that_left_rejoin_the_unit_still_there():
    # Unit a serves 20 days in combat; its wounded (all return after exactly 10 days) rejoin b.
    units = [
        {"name": "a", "arrive": "2025-01-01", "size": 1_000, "serves_days": 20},
        {"name": "b", "arrive": "2025-01-01", "size": 500},
    ]
    s = scenario(
        units=units,
        phases=[{"from": "2025-01-01", "posture": "combat", "units": ["a"]}],
        postures={"rear": {}, "combat": {"daily_rate": 0.01}},
        casualties={"killed": 0.0},
        wounded={"return_to_duty": 1.0, "recovery_days": 10},
    )
    t = trajectories(s, reps=50)
    assert conserved(t)
    # Everyone wounded comes back (to b once a has gone); nobody is lost.
    assert (t["permanent_losses"][:, -1] == 0).all()
    assert (t["effective"][:, -1] + t["rotated_out"][:, -1] == 1_500).all()
    assert (t["effective"][:, -1] > 500).all()


def test_recruits_arrive_a_little_every_day():
    flows = [{"name": "levy", "per_30_days": 300, "from": "2025-02-01", "until": "2025-02-10"}]
    t = trajectories(scenario(recruitment=flows))
    daily = np.diff(t["arrived"], axis=1)
    # 10 a day from day 31 to day 40, none after.
    assert (daily[:, 30:40] == 10).all() and (daily[:, 40:] == 0).all()
    assert (t["arrived"][:, -1] == 1_100).all()


def test_recruits_from_a_reserve_stop_when_it_runs_out():
    flows = [{"name": "levy", "per_30_days": 75, "from": "2025-01-01", "from_reserve": True}]
    t = trajectories(scenario(recruitment=flows, reserve=25))
    # 2.5 a day (2, 3, 2, 3, ...), 25 in all: the reserve is gone after day 9.
    assert (t["arrived"][:, -1] == 1_025).all()
    assert t["arrived"][0, :10].tolist() == [1_002, 1_005, 1_007, 1_010, 1_012, 1_015, 1_017, 1_020, 1_022, 1_025]


def test_disease_by_posture():
    s = scenario(
        units=[{"name": "a", "arrive": "2025-01-01", "size": 10_000}],
        postures={"rear": {}, "trench": {"disease_rate": 0.01}},
        phases=[{"from": "2025-02-01", "posture": "trench"}],
        disease={"daily_rate": 0.0, "return_to_duty": 0.0},
    )
    t = trajectories(s, reps=500)
    assert (t["evacuated"][:, 30] == 0).all()  # no disease in the rear (the global rate is 0)
    first = t["evacuated"][:, 31]
    # Binomial(10,000, 0.01) on the first day in the trenches: mean 100, sd 9.95; 4 standard
    # errors of 500 is 1.8.
    assert abs(first.mean() - 100) < 1.8


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"rotations": [{"unit": "a", "leave": "2025-02-01", "lead_days": 0}]}, "rotations.0.size"),
        (
            {
                "units": [{"name": "a", "arrive": "2025-01-01", "size": 10, "serves_days": 30}],
                "rotations": [{"unit": "a", "leave": "2025-02-01", "lead_days": 0, "size": 10}],
            },
            "serves a term",
        ),
        ({"recruitment": [{"name": "a", "per_30_days": 30, "from": "2025-01-05"}]}, "already a unit"),
        (
            {"recruitment": [{"name": "levy", "per_30_days": 30, "from": "2025-02-05", "until": "2025-01-05"}]},
            "before from",
        ),
        ({"recruitment": [{"name": "levy", "per_30_days": -3, "from": "2025-01-05"}]}, "per_30_days"),
        ({"units": [{"name": "a", "arrive": "2025-01-01", "size": 10, "serves_days": 0}]}, "serves_days"),
    ],
)
def test_bad_service_input_is_refused_in_one_line(tmp_path, change, expect):
    data = copy.deepcopy(BASE)
    data.update(change)
    path = write(tmp_path / "bad.yaml", data)
    refused(["run", str(path), "--reps", "10"], tmp_path, expect)
