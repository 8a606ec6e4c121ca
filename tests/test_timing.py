"""Uncertain timing: dates drawn per replication, dates after other events, events that may not
happen.  Analytic cases (deterministic losses, so each replication's numbers follow from its
drawn days alone), the parameters they make, and bad input."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest
from hostile import refused

import sim
from conftest import make, write
from sim.plan import compile_plan

# 100 killed a day in combat, none in the rear: a replication's strength on any day is 10,000
# less 100 for every day it has spent in combat.
BASE = {
    "name": "timing",
    "start": "2025-01-01",
    "end": "2025-02-28",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 10_000}],
    "initial_posture": "combat",
    "postures": {"combat": {"per_day": 100, "noise": "none"}, "rear": {}},
    "casualties": {"killed": 1.0},
    "disease": {"daily_rate": 0.0},
    "thresholds": {"low": {"measure": "effective", "below": 5_000}},
}
REPS = 4_000


def scenario(**changes) -> sim.Scenario:
    return make(BASE, **changes)


def final(s: sim.Scenario, reps: int = REPS, seed: int = 1) -> np.ndarray:
    return sim.run(s, reps=reps, seed=seed, keep_trajectories=True).trajectories["effective"][:, -1]


def test_a_pullback_of_uncertain_start_is_the_mixture_of_the_fixed_ones():
    # Rear from 20 or 21 January (each equally likely) to the end: 19 or 20 days of combat.
    uncertain = scenario(phases=[{"from": {"uniform": ["2025-01-20", "2025-01-21"]}, "posture": "rear"}])
    fixed = [final(scenario(phases=[{"from": d, "posture": "rear"}]), reps=5)[0] for d in ("2025-01-20", "2025-01-21")]
    assert fixed == [10_000 - 19 * 100, 10_000 - 20 * 100]
    x = final(uncertain)
    assert set(np.unique(x)) == set(fixed)
    # Half each: 4 standard errors of a share of 4,000 is 0.032.
    assert abs(np.mean(x == fixed[0]) - 0.5) < 0.032


def test_a_uniform_date_gives_each_day_equally_often_and_stays_in_its_range():
    s = scenario(phases=[{"from": {"uniform": ["2025-01-10", "2025-01-19"]}, "posture": "rear"}])
    combat_days = (10_000 - final(s)) // 100
    counts = np.bincount(combat_days, minlength=19)[9:19]
    assert combat_days.min() == 9 and combat_days.max() == 18
    # Ten days, 400 expected each: 4 standard errors of a count is 76.
    assert np.abs(counts - REPS / 10).max() < 76


def test_an_uncertain_date_may_start_on_the_first_day():
    # Rear from 1 to 2 January (each equally likely): one or two days of combat less than none;
    # the draw for the first day lies half a day before it, which is within the date's domain.
    for kind, dates in (("uniform", ["2025-01-01", "2025-01-02"]), ("triangular", ["2025-01-01"] * 2 + ["2025-01-02"])):
        x = final(scenario(phases=[{"from": {kind: dates}, "posture": "rear"}]), reps=400)
        assert set(np.unique(x)) == {10_000, 10_000 - 100}, kind


def test_a_return_after_a_pullback_of_uncertain_length():
    # Rear on 10 January, back in combat 5 to 9 days later (each equally likely): combat days are
    # 9 before, then from the return to 28 February.
    phases = [
        {"name": "pullback", "from": "2025-01-10", "posture": "rear"},
        {"from": {"after": "pullback", "days": {"uniform": [4.5, 9.5]}}, "posture": "combat"},
    ]
    lost = (10_000 - final(scenario(phases=phases))) // 100
    # 59 days in all, 9 before the pullback: combat days = 59 - length of the pullback.
    assert set(np.unique(59 - lost)) == {5, 6, 7, 8, 9}
    assert np.abs(np.bincount(59 - lost)[5:10] - REPS / 5).max() < 4 * np.sqrt(REPS * 0.2 * 0.8)


def test_a_triangular_date_is_likeliest_at_its_mode():
    s = scenario(phases=[{"from": {"triangular": ["2025-01-10", "2025-01-15", "2025-01-30"]}, "posture": "rear"}])
    start_day = (10_000 - final(s)) // 100  # combat days = the phase's day index
    assert start_day.min() >= 9 and start_day.max() <= 29
    assert np.bincount(start_day).argmax() in (13, 14, 15)
    # Mean of the triangular over day indices (9 - 0.5, 14, 29 + 0.5), rounded draws: 17.33;
    # 4 standard errors of 4,000 draws (sd about 4.3) is 0.27.
    assert abs(start_day.mean() - (8.5 + 14 + 29.5) / 3) < 0.27


def test_chance_gives_the_weighted_mixture_of_crossing_and_not():
    # A second unit of 8,000 comes on 1 February in 30% of the replications; without it the
    # force falls below 5,000 on day 50, with it never (18,000 less 100 a day stays above).
    units = [
        {"name": "a", "arrive": "2025-01-01", "size": 10_000},
        {"name": "b", "arrive": "2025-02-01", "size": 8_000, "chance": 0.3},
    ]
    r = sim.run(scenario(units=units), reps=REPS, seed=2)
    p_cross = np.mean(r.first_crossing["low"] >= 0)
    # P(crossing) = 0.3 x 0 + 0.7 x 1; 4 standard errors is 0.029.
    assert abs(p_cross - 0.7) < 0.029
    assert compile_plan(scenario(units=units)).params["units.b.chance"].mean == 0.3


def test_an_event_after_one_that_does_not_happen_does_not_happen_either():
    phases = [
        {"name": "pullback", "from": "2025-01-10", "posture": "rear", "chance": 0.5},
        {"from": {"after": "pullback", "days": 5}, "posture": "combat"},
    ]
    x = final(scenario(phases=phases))
    # With the pullback: 9 + (59 - 14) combat days; without it the return never comes either,
    # and the force fights all 59 days.
    assert set(np.unique(x)) == {10_000 - 54 * 100, 10_000 - 59 * 100}


def test_uncertain_dates_and_chances_are_parameters():
    s = scenario(
        units=[{"name": "a", "arrive": {"uniform": ["2025-01-01", "2025-01-05"]}, "size": 10_000, "chance": 0.9}],
        phases=[
            {"name": "p", "from": "2025-01-10", "posture": "rear"},
            {"from": {"after": "p", "days": {"triangular": [3, 7, 14]}}, "posture": "combat"},
        ],
    )
    params = compile_plan(s).params
    assert {"units.a.arrive", "units.a.chance", "phases.1.from.days"} <= set(params)
    assert "phases.0.from" not in params  # a fixed date is not a parameter
    # Each day from 1 to 5 January equally likely: day indices 0 to 4, drawn on [-0.5, 4.5].
    assert params["units.a.arrive"].bounds == (-0.5, 4.5)
    # Given per replication, like any parameter: the phase ends exactly 3 days after it starts.
    values = {"phases.1.from.days": np.full(10, 3.0)}
    r = sim.run(s, reps=10, seed=1, values=values, keep_trajectories=True)
    arrived = r.trajectories["arrived"][:, -1]
    assert set(np.unique(arrived)) <= {0, 10_000}


def test_uncertain_dates_from_the_command_line(tmp_path):
    path = write(tmp_path / "s.yaml", copy.deepcopy(BASE))
    out = tmp_path / "out"
    proc = sim_cli(
        "run", str(path), "--reps", "200", "--out", str(out), "--quiet",
        "--set", "phases=[{from: {uniform: [2025-01-20, 2025-01-30]}, posture: rear}]",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    resolved = (out / "scenario.yaml").read_text()
    assert "uniform" in resolved and "2025-01-20" in resolved


def sim_cli(*args):
    import subprocess
    import sys

    from conftest import ROOT

    return subprocess.run([sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"phases": [{"from": {"after": "nobody", "days": 3}, "posture": "rear"}]}, "no unit or named phase"),
        (
            {
                "phases": [
                    {"name": "x", "from": {"after": "y", "days": 3}, "posture": "rear"},
                    {"name": "y", "from": {"after": "x", "days": 3}, "posture": "combat"},
                ]
            },
            "cycle",
        ),
        ({"phases": [{"from": {"uniform": ["2025-02-20", "2025-03-20"]}, "posture": "rear"}]}, "between start and end"),
        ({"units": [{"name": "a", "arrive": "2025-01-01", "size": 10, "chance": 1.5}]}, "chance"),
        ({"phases": [{"from": {"uniform": ["2025-02-20", "2025-02-10"]}, "posture": "rear"}]}, "in order"),
        ({"phases": [{"from": {"after": "a", "days": -3}, "posture": "rear"}]}, "days"),
        ({"phases": [{"from": {"normal": ["2025-02-20", 3]}, "posture": "rear"}]}, "a date is"),
    ],
)
def test_bad_dates_are_refused_in_one_line(tmp_path, change, expect):
    data = copy.deepcopy(BASE)
    data.update(change)
    path = write(tmp_path / "bad.yaml", data)
    refused(["run", str(path), "--reps", "10"], tmp_path, expect)


def test_dates_round_trip_through_the_resolved_scenario(tmp_path):
    pullback = {"triangular": ["2025-01-10", "2025-01-12", "2025-01-20"]}
    s = scenario(
        phases=[
            {"name": "p", "from": pullback, "posture": "rear"},
            {"from": {"after": "p", "days": {"uniform": [2, 6]}}, "posture": "combat"},
        ]
    )
    r = sim.run(s, reps=50, seed=3)
    r.save(tmp_path / "o", plot=False)
    again = sim.load_scenario(tmp_path / "o" / "scenario.yaml")
    assert again.phases == s.phases
    assert np.array_equal(sim.run(again, reps=50, seed=3).q, r.q)
    assert s.phases[0].from_.nominal == dt.date(2025, 1, 12)


def test_dates_and_durations_can_be_swept(tmp_path):
    data = copy.deepcopy(BASE)
    data["phases"] = [
        {"name": "p", "from": {"uniform": ["2025-01-10", "2025-01-20"]}, "posture": "rear"},
        {"from": {"after": "p", "days": {"uniform": [3, 10]}}, "posture": "combat"},
    ]
    path = write(tmp_path / "s.yaml", data)
    params = ["phases.0.from=9:19", "phases.1.from.days=3:10"]
    f = sim.sweep(path, params, design="grid", n=3, reps=20, outputs=["mean:effective@2025-02-28"], workers=1)
    # The force's end strength depends on how long the pullback lasts, not on when it starts:
    # 10,000 less 100 a day for 59 days less the pullback (3, 6 (6.5 rounded to even) or 10 days).
    by_length = f.groupby("phases.1.from.days")["mean:effective@2025-02-28"].unique()
    assert {k: v.tolist() for k, v in by_length.items()} == {3.0: [4400.0], 6.5: [4700.0], 10.0: [5100.0]}
    with pytest.raises(sim.InputError, match="between start and end"):
        sim.sweep(path, ["phases.0.from=9:80"], design="grid", n=2, reps=5, workers=1)


def test_a_policy_delay_may_be_uncertain():
    # 100 killed a day from 10,000: below 9,000 at the end of day 10; the dispatch of 1,000 then
    # arrives 5 to 9 days later (each equally likely).
    policy = [
        {
            "name": "top-up",
            "when": {"measure": "effective", "below": 9_000},
            "send": 1_000,
            "delay_days": {"uniform": [4.5, 9.5]},
            "max_times": 1,
        }
    ]
    t = sim.run(scenario(policy=policy), reps=REPS, seed=4, keep_trajectories=True).trajectories
    day = (t["arrived"] > 10_000).argmax(axis=1)
    assert set(np.unique(day)) == {15, 16, 17, 18, 19}
    # Five days, 800 expected each: 4 standard errors of a count is 101.
    assert np.abs(np.bincount(day)[15:20] - REPS / 5).max() < 101


def test_a_rotation_and_a_policy_may_not_happen():
    # A relief of 500 for the 10,000 on 1 February in 40% of the runs; in the others nobody leaves.
    rotation = [{"unit": "a", "leave": "2025-02-01", "lead_days": 0, "size": 500, "chance": 0.4}]
    t = sim.run(scenario(rotations=rotation), reps=REPS, seed=5, keep_trajectories=True).trajectories
    relieved = t["rotated_out"][:, -1] > 0
    # 4 standard errors of a share of 4,000 is 0.031.
    assert abs(relieved.mean() - 0.4) < 0.031
    assert (t["arrived"][relieved, -1] == 10_500).all() and (t["arrived"][~relieved, -1] == 10_000).all()
    # A top-up policy in force in 30% of the runs.
    policy = [
        {"name": "top-up", "when": {"measure": "effective", "below": 9_000}, "send": 1_000, "max_times": 1,
         "delay_days": 3, "chance": 0.3}
    ]  # fmt: skip
    t = sim.run(scenario(policy=policy), reps=REPS, seed=6, keep_trajectories=True).trajectories
    assert abs((t["arrived"][:, -1] > 10_000).mean() - 0.3) < 0.029


def test_an_uncertain_rotation_moves_every_relief_by_the_drawn_difference():
    # Reliefs of 10,000 every 20 days from a first departure some day from 1 to 5 February:
    # in each run every departure moves with the first one.
    rotation = [{"unit": "a", "leave": {"uniform": ["2025-02-01", "2025-02-05"]}, "lead_days": 0, "size": 10_000,
                 "every_days": 20}]  # fmt: skip
    s = scenario(rotations=rotation, postures={"combat": {"per_day": 0, "noise": "none"}, "rear": {}})
    t = sim.run(s, reps=REPS, seed=7, keep_trajectories=True).trajectories
    first = (t["rotated_out"] > 0).argmax(axis=1)
    assert set(np.unique(first)) == {31, 32, 33, 34, 35}
    second = (t["rotated_out"] > 10_000).argmax(axis=1)
    assert (second - first == 20).all()
    assert "rotations.0.leave" in compile_plan(s).params


def test_a_duration_without_a_last_day_is_refused(tmp_path):
    data = copy.deepcopy(BASE)
    data["phases"] = [{"from": {"after": "a", "days": {"normal": [5, 3]}}, "posture": "rear"}]
    refused(["run", str(write(tmp_path / "bad.yaml", data)), "--reps", "10"], tmp_path, "last possible day")
