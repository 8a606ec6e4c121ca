"""Mass-casualty events: a barrage that hits many people at once, on random days at a stated
frequency, with its own killed share.  Exact cases, the frequency, exposure, conservation,
reproducibility, and bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hostile import refused

import sim
from conftest import write
from sim.engine import Engine
from sim.plan import compile_plan
from sim.reference import run_reference
from sim.rules import from_data
from sim.schedule import hit_sizes
from sim.streams import Streams, blocks_for

BARRAGE = {"name": "barrage", "per_30_days": 30, "size": 10, "killed": 1.0, "postures": ["combat"]}

#: One unit of 1,000 in a posture without losses of its own: only the events take anyone.
BASE = {
    "name": "mass-casualty",
    "start": "2025-01-01",
    "end": "2025-01-30",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 1000}],
    "postures": {"combat": {}},
    "casualties": {"killed": 1.0},
    "disease": {"daily_rate": 0.0},
    "mass_casualty": [BARRAGE],
}

#: Every measure a person who arrived can be counted in at the end of a day, once.
PLACES = (
    "effective",
    "wounded_in_care",
    "sick_in_care",
    "killed",
    "died_of_wounds",
    "evacuated",
    "missing",
    "rotated_out",
)


def scenario(barrage: dict | None = None, **changes) -> sim.Scenario:
    data = copy.deepcopy(BASE)
    data["mass_casualty"] = [{**BARRAGE, **(barrage or {})}]
    data.update(changes)
    return from_data(data)


def daily(result: sim.Result, measure: str) -> np.ndarray:
    return np.diff(result.trajectories[measure], axis=1, prepend=0)


def test_an_event_every_day_kills_exactly_its_size():
    r = sim.run(scenario(), reps=5, seed=1, keep_trajectories=True)
    assert (daily(r, "killed") == 10).all()
    assert (r.trajectories["effective"][:, -1] == 1000 - 30 * 10).all()
    assert (r.trajectories["casualties"] == r.trajectories["killed"]).all()
    assert (r.trajectories["wounded"] == 0).all()


def test_with_no_killed_share_everyone_hit_is_wounded_and_follows_the_wounded_fates():
    wounded = {"return_to_duty": 0.0, "died_of_wounds": 0.0}  # every one evacuated on the day
    r = sim.run(scenario({"killed": 0.0}, wounded=wounded), reps=5, seed=1, keep_trajectories=True)
    assert (daily(r, "wounded") == 10).all()
    assert (daily(r, "evacuated") == 10).all()
    assert (r.trajectories["killed"] == 0).all()
    assert (r.trajectories["casualties"] == r.trajectories["wounded"]).all()
    # All of them return after a fixed 5 days: the first ones are back on day 5.
    back = {"return_to_duty": 1.0, "recovery_days": 5}
    r = sim.run(scenario({"killed": 0.0}, wounded=back), reps=5, seed=1, keep_trajectories=True)
    assert (r.trajectories["wounded_in_care"][:, 4] == 50).all() and (daily(r, "returned_to_duty")[:, 5] == 10).all()
    assert (r.trajectories["effective"][:, 4] == 950).all()


def test_the_killed_share_is_binomial_among_those_hit():
    r = sim.run(scenario({"size": 100, "killed": 0.4}), reps=2_000, seed=2, keep_trajectories=True)
    killed = daily(r, "killed")[:, 0]
    assert (killed + daily(r, "wounded")[:, 0] == 100).all()
    # Binomial(100, 0.4): mean 40, sd 4.9; the standard error of the mean over 2,000 is 0.11,
    # and four of them is 0.44.  The variance's standard error is about 3%: 12% is four.
    assert abs(killed.mean() - 40) < 0.44
    assert abs(killed.var() / 24 - 1) < 0.12


def test_events_come_at_the_stated_frequency():
    s = scenario({"per_30_days": 3, "size": 1}, end="2025-10-27")  # 300 days
    assert s.days == 300
    r = sim.run(s, reps=2_000, seed=3, keep_trajectories=True)
    events = r.trajectories["killed"][:, -1]  # one killed per event, and never short of people
    # Binomial(300 days, 0.1): mean 30, sd 5.2; the standard error of the mean over 2,000
    # replications is 0.116, and four of them is 0.46.
    assert abs(events.mean() - 30) < 0.46
    assert abs(events.std() - 5.2) < 0.4  # the sd's standard error is about 0.08
    assert (daily(r, "killed") <= 1).all()  # at most one event a day


def test_a_frequency_drawn_per_replication_scales_each_replications_events():
    s = scenario({"per_30_days": {"uniform": [0, 6]}, "size": 1}, end="2025-10-27")
    engine = Engine(compile_plan(s), 4, blocks_for(2_000)).run()
    rate = engine.params[19][:, 0] * 30  # each replication's drawn events per 30 days
    events = engine.state[18][:, 0]  # events that happened
    assert np.corrcoef(rate, events)[0, 1] > 0.9
    slope = np.polyfit(rate, events, 1)[0]
    assert abs(slope - 10) < 0.5  # 300 days: ten times the rate per 30 days, on average


def test_sizes_are_drawn_per_event():
    s = scenario({"size": {"triangular": [10, 25, 60]}}, units=[{"name": "a", "arrive": "2025-01-01", "size": 5000}])
    r = sim.run(s, reps=200, seed=4, keep_trajectories=True)
    hit = daily(r, "killed")
    assert hit.min() >= 10 and hit.max() <= 60
    assert all(len(np.unique(row)) > 10 for row in hit)  # not one size for the replication
    # Triangular(10, 25, 60): mean 31.7, sd 10.3; the standard error of the mean of 6,000
    # events is 0.13, and four of them is 0.53 (rounding to whole people keeps the mean).
    assert abs(hit.mean() - 95 / 3) < 0.53


def test_a_size_given_per_replication_is_that_of_every_event():
    s = scenario({"size": {"triangular": [10, 25, 60]}})
    given = np.array([3.0, 7.0, 12.0])
    r = sim.run(s, reps=3, seed=5, keep_trajectories=True, values={"mass_casualty.barrage.size": given})
    assert (daily(r, "killed") == given[:, None]).all()


def test_units_in_a_posture_not_exposed_take_no_hits_and_events_stop_with_nobody_exposed():
    units = [
        {"name": "front", "arrive": "2025-01-01", "size": 1000},
        {"name": "rear", "arrive": "2025-01-01", "size": 700},
    ]
    phases = [{"from": "2025-01-01", "posture": "combat", "units": ["front"]}]
    s = scenario({"size": 5000}, units=units, phases=phases, postures={"rest": {}, "combat": {}})
    engine = Engine(compile_plan(s), 6, blocks_for(50)).run()
    assert (engine.state[0].sum(axis=1) == 700).all()  # the rear unit is whole, the front gone
    assert (engine.state[18][:, 0] == 1).all()  # one event, everyone exposed hit; none after
    r = sim.run(s, reps=50, seed=6, keep_trajectories=True)
    assert (r.trajectories["killed"] == 1000).all()  # never more than everyone exposed
    assert (r.trajectories["effective"] == 700).all()


def test_by_default_the_postures_with_losses_are_exposed():
    postures = {"rest": {}, "combat": {"daily_rate": 0.0}}
    units = [
        {"name": "front", "arrive": "2025-01-01", "size": 100},
        {"name": "rear", "arrive": "2025-01-01", "size": 70},
    ]
    phases = [{"from": "2025-01-01", "posture": "combat", "units": ["front"]}]
    s = scenario({"postures": None, "size": 1000}, units=units, phases=phases, postures=postures)
    assert compile_plan(s).mass_casualty[0].postures == (1,)
    r = sim.run(s, reps=20, seed=7, keep_trajectories=True)
    assert (r.trajectories["killed"] == 100).all() and (r.trajectories["effective"] == 70).all()


def test_hits_are_shared_among_the_exposed_units_without_replacement():
    units = [{"name": "a", "arrive": "2025-01-01", "size": 300}, {"name": "b", "arrive": "2025-01-01", "size": 100}]
    # A phase naming one of them keeps the two in separate columns (units alike share one).
    phases = [{"from": "2025-01-01", "posture": "combat", "units": ["a"]}]
    s = scenario({"size": 40}, units=units, phases=phases, end="2025-01-02")
    assert compile_plan(s).column == [0, 1]
    engine = Engine(compile_plan(s), 8, blocks_for(4_000)).run()
    lost = np.array([300, 100]) - engine.state[0][:, :2]
    assert (lost.sum(axis=1) == 80).all()
    # Two days of 40 drawn without replacement are 80 drawn from the 400 at once:
    # Hypergeometric(400, 300, 80) for unit a, mean 60, variance 80 (3/4)(1/4) 320/399 = 12.0.
    # Four standard errors of the mean over 4,000 replications: 0.22; of the variance: 9%.
    assert abs(lost[:, 0].mean() - 60) < 0.22
    assert abs(lost[:, 0].var() / (80 * 0.75 * 0.25 * 320 / 399) - 1) < 0.09


def test_everyone_who_arrived_is_in_exactly_one_place_every_day():
    data = copy.deepcopy(BASE)
    data.update(
        end="2025-06-30",
        units=[
            {"name": "a", "arrive": "2025-01-01", "size": 3000},
            {"name": "b", "arrive": {"uniform": ["2025-01-10", "2025-02-10"]}, "size": 2000},
        ],
        postures={"rest": {}, "combat": {"daily_rate": 0.002}, "hold": {"per_day": 5}},
        phases=[{"from": "2025-01-05", "posture": "combat"}, {"from": "2025-03-01", "posture": "hold", "units": ["b"]}],
        casualties={"killed": 0.2, "missing": 0.05},
        wounded={
            "return_to_duty": 0.4,
            "recovery_days": {"mean": 20, "min": 5},
            "died_of_wounds": 0.1,
            "died_of_wounds_days": {"mean": 4},
            "evacuation_days": 3,
        },
        disease={"daily_rate": 0.001, "return_to_duty": 0.8},
        rotations=[{"unit": "a", "leave": "2025-04-01", "lead_days": 10, "size": 500}],
        mass_casualty=[
            {
                "name": "barrage",
                "per_30_days": {"uniform": [0.5, 2]},
                "size": {"triangular": [10, 25, 60]},
                "killed": 0.4,
                "postures": ["combat"],
            },
            {"name": "strike", "per_30_days": 4, "size": 200, "killed": {"uniform": [0.1, 0.5]}},
        ],
    )
    s = from_data(data)
    assert (Engine(compile_plan(s), 9, blocks_for(300)).run().state[18].sum(axis=0) > 0).all()  # both events come
    t = sim.run(s, reps=300, seed=9, keep_trajectories=True).trajectories
    assert (t["arrived"] == sum(t[m] for m in PLACES)).all()
    assert (t["casualties"] == t["killed"] + t["wounded"] + t["missing"]).all()
    assert t["killed"][:, -1].mean() > 0 and t["rotated_out"][:, -1].min() > 0


def test_a_longer_store_of_sizes_only_adds_sizes_after_a_shorter_ones():
    plan = compile_plan(scenario({"per_30_days": 1, "size": {"triangular": [10, 25, 60]}}, end="2025-12-31"))
    streams = Streams(12, blocks_for(1_500))
    values = {path: np.full(1_500, p.mean) for path, p in plan.params.items()}
    short = hit_sizes(plan, values, streams)
    values["mass_casualty.barrage.per_30_days"] = np.full(1_500, 5.0)  # more events expected: a longer store
    long = hit_sizes(plan, values, streams)
    assert short.shape[2] < long.shape[2] <= plan.days
    np.testing.assert_array_equal(long[:, :, : short.shape[2]], short)


def test_results_do_not_depend_on_how_replications_are_batched():
    # The store of sizes follows the batch's largest frequency, which differs from batch to batch.
    s = scenario({"per_30_days": {"triangular": [0, 0, 3]}, "size": {"triangular": [1, 3, 9]}, "killed": 0.5},
                 end="2025-04-30")  # fmt: skip
    whole = sim.run(s, reps=2_500, seed=10, keep_trajectories=True)
    parts = sim.run(s, reps=2_500, seed=10, keep_trajectories=True, batch_blocks=1)
    for m in ("killed", "wounded", "effective"):
        np.testing.assert_array_equal(whole.trajectories[m], parts.trajectories[m])


def test_without_events_nothing_is_drawn_for_them():
    data = {**copy.deepcopy(BASE), "postures": {"combat": {"daily_rate": 0.01}}, "mass_casualty": []}
    a = sim.run(from_data(data), reps=100, seed=11, keep_trajectories=True)
    never = {**data, "mass_casualty": [{**BARRAGE, "per_30_days": 0}]}
    b = sim.run(from_data(never), reps=100, seed=11, keep_trajectories=True)
    for m in ("killed", "wounded", "effective"):
        np.testing.assert_array_equal(a.trajectories[m], b.trajectories[m])


def test_the_reference_model_refuses_them():
    with pytest.raises(ValueError, match="mass-casualty"):
        run_reference(scenario(), 10, 1)


@pytest.mark.parametrize(
    ("barrage", "expect"),
    [
        ({"postures": ["nowhere"]}, "mass_casualty.0.postures.0: 'nowhere' is not among postures"),
        ({"size": -5}, "size"),
        ({"killed": 1.5}, "killed"),
        ({"per_30_days": 31}, "per_30_days"),
        ({"per_30_days": {"uniform": [1, 40]}}, "per_30_days"),
        ({"postures": []}, "postures"),
    ],
)
def test_bad_events_are_refused_in_one_line(tmp_path, barrage, expect):
    data = copy.deepcopy(BASE)
    data["mass_casualty"] = [{**BARRAGE, **barrage}]
    path = write(tmp_path / "bad.yaml", data)
    refused(["run", str(path), "--reps", "10"], tmp_path, expect)


def test_an_event_name_used_twice_is_refused(tmp_path):
    data = copy.deepcopy(BASE)
    data["mass_casualty"] = [BARRAGE, BARRAGE]
    refused(["run", str(write(tmp_path / "bad.yaml", data)), "--reps", "10"], tmp_path, "used twice")
