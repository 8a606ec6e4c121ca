"""Derived measures: a scenario's own sums of built-in measures, recorded every day and usable
wherever a measure is named (thresholds, claims, policies, references, sweep outputs, tables,
charts, files).  Exact cases checked against the trajectories, and bad input."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from hostile import refused

import sim
from conftest import make, write

OUT_OF_ACTION = "killed + died_of_wounds + evacuated + missing + wounded_in_care + sick_in_care"

# Losses for six weeks, then none: those in care rise, then fall as they recover or leave.
BASE = {
    "name": "derived",
    "start": "2025-01-01",
    "end": "2025-04-30",
    "seed": 5,
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 5000}],
    "initial_posture": "combat",
    "phases": [{"from": "2025-02-15", "posture": "rear"}],
    "postures": {"combat": {"daily_rate": {"uniform": [0.005, 0.015]}}, "rear": {}},
    "casualties": {"killed": 0.2, "missing": 0.05},
    "wounded": {
        "return_to_duty": 0.5,
        "recovery_days": {"mean": 10, "min": 3},
        "died_of_wounds": 0.1,
        "died_of_wounds_days": {"mean": 5},
    },
    "measures": {
        "deaths": "killed + died_of_wounds",
        "out_of_action": OUT_OF_ACTION,
        "in_care": "wounded_in_care+sick_in_care",  # spaces are optional
    },
}
TERMS = {
    "deaths": ["killed", "died_of_wounds"],
    "out_of_action": [t.strip() for t in OUT_OF_ACTION.split("+")],
    "in_care": ["wounded_in_care", "sick_in_care"],
}
REPS = 300


def scenario(**changes) -> sim.Scenario:
    """The base scenario with top-level keys replaced (``None`` removes a key)."""
    return make(BASE, **changes)


def first_crossing(holds: np.ndarray) -> np.ndarray:
    """The first day each row's condition holds after a day it did not (-1: never), as the
    engine defines a crossing."""
    out = np.full(holds.shape[0], -1)
    for r, h in enumerate(holds):
        been_false = np.cumsum(~h) > 0
        armed = np.concatenate([[False], been_false[:-1]])  # false on an earlier day
        days = np.flatnonzero(h & armed)
        out[r] = days[0] if days.size else -1
    return out


def test_a_derived_measure_is_the_sum_of_its_terms_on_every_day_of_every_replication():
    r = sim.run(scenario(), reps=REPS, keep_trajectories=True)
    t = r.trajectories
    for name, terms in TERMS.items():
        np.testing.assert_array_equal(t[name], sum(t[k] for k in terms))
    assert t["deaths"][:, -1].min() > 0 and t["in_care"].max() > 0  # the case is not empty
    assert r.measures == (*sim.MEASURES, "deaths", "out_of_action", "in_care")
    assert list(r.samples) == list(r.measures)
    np.testing.assert_array_equal(r.samples["deaths"], t["deaths"][: len(r.samples["deaths"])])


def test_the_same_sums_in_batches():
    one = sim.run(scenario(), reps=2500, keep_trajectories=True)
    batched = sim.run(scenario(), reps=2500, batch_blocks=1, keep_trajectories=True)
    np.testing.assert_array_equal(one.trajectories["out_of_action"], batched.trajectories["out_of_action"])
    # The batched quantiles come from numpy, the others from the compiled count: the same values.
    np.testing.assert_allclose(one.q, batched.q, rtol=0, atol=1e-9)


def test_a_threshold_and_a_claim_on_a_derived_measure_cross_when_its_sum_does():
    claim = {
        "id": "hundred-dead",
        "says": "a hundred dead within nine days",
        "source": {"who": "a test"},
        "holds_if": {"measure": "deaths", "at_least": 100, "by": "2025-01-09"},
    }
    s = scenario(thresholds={"hundred": {"measure": "deaths", "at_least": 100}}, claims=[claim])
    r = sim.run(s, reps=REPS, keep_trajectories=True)
    deaths = r.trajectories["killed"] + r.trajectories["died_of_wounds"]
    expected = first_crossing(deaths >= 100)
    np.testing.assert_array_equal(r.first_crossing["hundred"], expected)
    assert 0 < (expected >= 0).mean() and (expected > 0).all()  # crossed in some runs, never on day 0
    by = (pd.Timestamp("2025-01-09") - pd.Timestamp("2025-01-01")).days
    share = float(np.mean((expected >= 0) & (expected <= by)))
    assert r.claims.set_index("id").loc["hundred-dead", "probability"] == share
    assert 0 < share < 1  # a case that tells crossing by the date from not


def test_a_policy_on_a_derived_measure_sends_on_the_day_after_its_delay():
    policy = {
        "name": "more",
        "when": {"measure": "deaths", "at_least": 60},
        "send": 700,
        "delay_days": 5,
        "max_times": 1,
    }
    r = sim.run(scenario(policy=[policy]), reps=REPS, keep_trajectories=True)
    t = r.trajectories
    deaths = t["killed"] + t["died_of_wounds"]
    for rep in range(REPS):
        hits = np.flatnonzero(deaths[rep] >= 60)
        arrived = np.flatnonzero(np.diff(t["arrived"][rep]) > 0) + 1
        if hits.size and hits[0] + 5 < t["arrived"].shape[1]:
            assert arrived.tolist() == [hits[0] + 5]
            assert t["arrived"][rep, -1] == 5000 + 700
        else:
            assert arrived.size == 0


def test_peak_of_a_derived_measure_is_its_running_maximum():
    # In care falling below half its peak: the load of the wounded easing after the fighting.
    s = scenario(thresholds={"easing": {"measure": "in_care", "below": 0.5, "of": "peak_in_care"}})
    r = sim.run(s, reps=REPS, keep_trajectories=True)
    x = r.trajectories["wounded_in_care"] + r.trajectories["sick_in_care"]
    peak = np.maximum.accumulate(x, axis=1)  # today's value counts in today's peak
    expected = first_crossing(x < 0.5 * peak)
    np.testing.assert_array_equal(r.first_crossing["easing"], expected)
    assert (expected > 45).mean() > 0.9  # mostly after the fighting stops (day 45)


def test_a_sweep_output_names_a_derived_measure(tmp_path):
    path = write(tmp_path / "s.yaml", BASE)
    outputs = ["mean:deaths@2025-03-01", "mean:killed@2025-03-01", "mean:died_of_wounds@2025-03-01"]
    f = sim.sweep(path, ["postures.combat.daily_rate=0.005:0.015"], design="grid", n=2, reps=50, outputs=outputs,
                  workers=1)  # fmt: skip
    total = f["mean:killed@2025-03-01"] + f["mean:died_of_wounds@2025-03-01"]
    # The same integer sums divided by the same count: equal up to the rounding of the divisions.
    np.testing.assert_allclose(f["mean:deaths@2025-03-01"], total, rtol=1e-12)
    assert f["mean:deaths@2025-03-01"].iloc[0] < f["mean:deaths@2025-03-01"].iloc[1]  # more losses, more dead
    with pytest.raises(ValueError, match="unknown measure 'dead'"):
        sim.sweep(path, ["postures.combat.daily_rate=0.005:0.015"], design="grid", n=2, reps=5,
                  outputs=["mean:dead@2025-03-01"], workers=1)  # fmt: skip


def test_the_tables_charts_and_files_of_a_run_hold_the_derived_measures(tmp_path):
    s = scenario(thresholds={"hundred": {"measure": "deaths", "at_least": 100}})
    r = sim.run(s, reps=REPS, keep_trajectories=True)
    deaths = r.measure("deaths")
    assert list(deaths.columns) == ["mean", "q05", "q25", "q50", "q75", "q95"]
    np.testing.assert_allclose(deaths["mean"].to_numpy(), r.trajectories["deaths"].mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(deaths["q50"].to_numpy(), np.quantile(r.trajectories["deaths"], 0.5, axis=0))
    tidy = r.quantiles
    assert set(tidy["measure"]) == set(r.measures) and len(tidy) == len(r.measures) * len(r.dates)
    assert r.summary()["final_day"]["out_of_action"]["mean"] == r.measure("out_of_action")["mean"].iloc[-1]
    with pytest.raises(ValueError, match="unknown measure 'dead'"):
        r.measure("dead")
    import matplotlib

    matplotlib.use("Agg")
    ax = r.plot("deaths")
    labels = ax.get_legend_handles_labels()[1]
    assert ax.get_ylabel() == "deaths (people)" and "hundred: deaths >= 100" in labels  # its threshold line
    files = r.save(tmp_path / "out", plot=False)
    assert {f.name for f in files} >= {"quantiles.csv", "summary.json", "scenario.yaml"}
    written = pd.read_csv(tmp_path / "out" / "quantiles.csv")
    assert set(written["measure"]) == set(r.measures)
    assert "deaths" in json.loads((tmp_path / "out" / "summary.json").read_text())["final_day"]
    again = sim.load_scenario(tmp_path / "out" / "scenario.yaml")  # the resolved file keeps them
    assert again.measures == s.measures
    np.testing.assert_array_equal(sim.run(again, reps=REPS).q, r.q)


def test_derived_measures_leave_the_built_in_ones_as_they_were():
    with_them = sim.run(scenario(thresholds={"t": {"measure": "killed", "at_least": 50}}), reps=REPS)
    without = sim.run(scenario(measures=None, thresholds={"t": {"measure": "killed", "at_least": 50}}), reps=REPS)
    n = len(sim.MEASURES)
    assert without.measures == sim.MEASURES and without.q.shape[0] == n
    np.testing.assert_array_equal(with_them.q[:n], without.q)
    np.testing.assert_array_equal(with_them.mean[:n], without.mean)
    np.testing.assert_array_equal(with_them.first_crossing["t"], without.first_crossing["t"])


@pytest.mark.parametrize(
    ("changes", "expect"),
    [
        ({"measures": {"killed": "wounded + missing"}}, ["measures.killed", "built-in measure"]),
        ({"measures": {"peak_dead": "killed"}}, ["measures.peak_dead", "peak_"]),
        ({"measures": {"deaths": "killed + nobody"}}, ["measures.deaths", "unknown term 'nobody'"]),
        ({"measures": {"deaths": "killed - wounded"}}, ["unknown term 'killed - wounded'"]),
        ({"measures": {"dead": "killed", "gone": "dead + missing"}}, ["measures.gone", "'dead' is a derived measure"]),
        ({"measures": {"deaths": ""}}, ["measures.deaths", "at least one term"]),
        ({"measures": {"deaths": " + "}}, ["measures.deaths", "at least one term"]),
        ({"measures": {"deaths": "killed +"}}, ["measures.deaths", "a term is missing"]),
        ({"measures": {"deaths": 5}}, ["measures.deaths", "string"]),
        ({"measures": {"no way!": "killed"}}, ["measures"]),
        ({"measures": None, "thresholds": {"t": {"measure": "deaths", "at_least": 1}}}, ["unknown measure 'deaths'"]),
        ({"thresholds": {"t": {"measure": "deaths", "at_least": 1, "of": "peak_dead"}}}, ["unknown reference"]),
    ],
)
def test_bad_derived_measures_are_refused_in_one_line(tmp_path, changes, expect):
    data = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    path = write(tmp_path / "bad.yaml", data)
    refused(["run", str(path), "--reps", "10"], tmp_path, *expect)
