"""The Wagner prisoner-recruitment case (scenarios/wagner-bakhmut/): the files load, monthly
batches arrive and go home at the end of their term, the claims are evaluated, and the reported
figures load with their reporters.  Small runs (100 replications) with fixed seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.estimates import estimates_for

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "scenarios" / "wagner-bakhmut"
FILES = sorted(FOLDER.glob("*.yaml"))
CLAIMS = {"kirby-9000-killed-by-mid-february", "ukmod-half-killed-or-wounded", "prigozhin-a-fifth-died"}
REPS, SEED = 100, 7


@pytest.fixture(scope="module")
def runs() -> dict[str, sim.Result]:
    """Each scenario of the case, 100 runs, with every replication's trajectories kept."""
    return {f.stem: sim.run(sim.load_scenario(f), reps=REPS, seed=SEED, keep_trajectories=True) for f in FILES}


def day(result: sim.Result, date: str) -> int:
    return (dt.date.fromisoformat(date) - result.dates[0]).days


def test_the_case_has_a_baseline_and_two_alternatives():
    assert [f.stem for f in FILES] == ["wagner-baseline", "wagner-prigozhin-a-fifth-died", "wagner-romanova-10000-left"]
    for f in FILES:
        s = sim.load_scenario(f)
        assert s.name == f.stem
        assert s.estimates == "../estimates/wagner-bakhmut.yaml"
        assert {c.id for c in s.claims} == CLAIMS
        assert all(c.source.url for c in s.claims), f.name
        # Every batch serves a term, and none is rotated: they go home when it ends.
        assert all(u.serves_days is not None for u in s.every_unit), f.name
        assert not s.rotations


def test_batches_arrive_once_a_month_until_february(runs):
    r = runs["wagner-baseline"]
    arrived = r.trajectories["arrived"]  # (replications, days)
    for rep in arrived:
        steps = np.flatnonzero(np.diff(rep) > 0) + 1
        months = [(r.dates[0] + dt.timedelta(days=int(d))).strftime("%Y-%m") for d in steps]
        # One batch a month, July 2022 to February 2023, each arriving on a single day.
        assert months == ["2022-07", "2022-08", "2022-09", "2022-10", "2022-11", "2022-12", "2023-01", "2023-02"]
    # Nobody signs after the last known contract (7 February 2023).
    assert (arrived[:, day(r, "2023-02-07") :] == arrived[:, -1:]).all()


def test_survivors_go_home_at_the_end_of_their_term(runs):
    r = runs["wagner-baseline"]
    t = r.trajectories
    # The first batch signs on 1 July 2022 at the earliest and serves at least 180 days: nobody
    # leaves before 28 December.
    assert (t["rotated_out"][:, : day(r, "2022-12-28")] == 0).all()
    # Then survivors go home in every replication...
    assert (t["rotated_out"][:, -1] > 0).all()
    # ...and the last batch (signed by 7 February, at most 190 days) has left by mid-August:
    # nobody is on duty after 16 August 2023 (a few wounded are still in care; they go home when
    # their care ends, as no unit is left to rejoin).
    assert (t["effective"][:, day(r, "2023-08-17") :] == 0).all()
    # Everyone who signed is in exactly one place at the end.
    ends = ("killed", "died_of_wounds", "evacuated", "missing", "rotated_out", "wounded_in_care", "sick_in_care")
    assert (t["arrived"][:, -1] == sum(t[k][:, -1] for k in ends)).all()


def test_claims_are_evaluated_and_the_stories_differ(runs):
    p = {}
    for name, r in runs.items():
        frame = r.claims.set_index("id")
        assert set(frame.index) == CLAIMS
        assert frame["probability"].between(0, 1).all()
        assert frame["verdict"].isin(["holds", "fails", "toss-up"]).all()
        p[name] = frame["probability"]
    # Prigozhin's "a fifth died" holds under his own story and fails under the baseline's loss
    # rate (about 0.8 and 0.06 at 2,000 runs; 100 runs put each within about 0.1).
    assert p["wagner-prigozhin-a-fifth-died"]["prigozhin-a-fifth-died"] > 0.6
    assert p["wagner-baseline"]["prigozhin-a-fifth-died"] < 0.25
    # Romanova's story loses men so fast that every claim's dated count is overshot.
    assert (p["wagner-romanova-10000-left"] < 0.05).all()


def test_romanova_story_leaves_about_10000_at_the_front(runs):
    on = {n: float(np.median(r.trajectories["effective"][:, day(r, "2023-01-23")])) for n, r in runs.items()}
    # About 15,000 on duty (some 5,000 of them in training) against about 30,000 in the baseline
    # (2,000 runs: medians 14,800 and 29,600).
    assert 12_000 < on["wagner-romanova-10000-left"] < 18_000
    assert 25_000 < on["wagner-baseline"] < 34_000


def test_estimates_load_with_their_reporters():
    f = FILES[0]
    est = estimates_for(f, sim.load_scenario(f).estimates)
    assert est.case == "wagner-bakhmut"
    assert set(est.reporters) == {
        "wagner-on-its-losses",
        "us-government",
        "russia-behind-bars",
        "media-document-counts",
    }
    used = {e.reporter for e in est.estimates if e.reporter}
    assert used == set(est.reporters)
    # Prigozhin's own count of the dead is expected to lean low, the others' high or not at all.
    assert est.reporters["wagner-on-its-losses"].bias < 1 < est.reporters["us-government"].bias
    # Every figure is attributed to a web address, and every figure of a model measure names one
    # the scenarios record.
    assert all(e.url and e.url.startswith("https://") for e in est.estimates)
    measures = sim.load_scenario(f).measure_names
    assert {e.measure for e in est.estimates if e.measure} <= set(measures)
    assert {"deaths", "went_home", "rotated_out"} <= {e.measure for e in est.estimates}
