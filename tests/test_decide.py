"""What decides a claim: break-even values (:func:`sim.decide`) against answers worked out
by hand and against the ISW files made by hand, their reproducibility, the default assumptions;
scenario discovery (:func:`sim.discover`, PRIM) on data whose box is known and on a real
sweep; the ``decide`` and ``discover`` commands, and bad input to them (one line, exit 2,
nothing written)."""

from __future__ import annotations

import copy
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from conftest import ROOT, SWEEP_SCENARIO, make, simulate, write
from sim.decision import decide, discover
from sim.decision.breakeven import COLUMNS
from sim.decision.discovery import choose, describe, paste, peel

SOURCE = {"who": "test", "outlet": "test", "url": "https://example.org"}

# -- a straight line, solved by hand ----------------------------------------------------------
#
# N people arrive on day 0 (2025-01-01) and fight that day; c casualties a day with no noise
# (a fraction of a casualty is carried to the next day), all killed, nobody returns.  The
# measure of day d is taken at its end, after d + 1 days of fighting: effective = N -
# floor(c (d + 1)).  "All lost by day D" (effective at most 0 on or before day D) therefore
# holds exactly when c (D + 1) >= N: the break-even in c is N / (D + 1), not N / D, and the one
# in N (at c a day) is c (D + 1).  With D = 39 (2025-02-09) and N = 1,000 it is 25 a day.
N = 1000
D = 39
BY = "2025-02-09"  # day 39 of a run starting 2025-01-01
GONE = {
    "id": "gone",
    "says": "all of them lost by 9 February",
    "source": SOURCE,
    "holds_if": {"threshold": "zero", "by": BY},
}


def line(per_day: float = 20, size: int = N, noise: str = "none", claims: list | None = None) -> sim.Scenario:
    return make(
        start="2025-01-01",
        end="2025-03-31",
        seed=7,
        units=[{"name": "a", "arrive": "2025-01-01", "size": size}],
        postures={"combat": {"per_day": per_day, "noise": noise}},
        thresholds={"zero": {"measure": "effective", "at_most": 0}},
        claims=claims or [GONE],
    )


def xtol(row) -> float:
    """The root-finder's tolerance in the value: 1/1000 of the range.  Brent's method stops
    when its bracket is narrower than this, so a crossing lies within it of the value found."""
    return (row["high"] - row["low"]) * 1e-3


def rows(frame: pd.DataFrame) -> dict[str, dict]:
    return {r["param"]: r for r in frame.to_dict("records")}


def test_the_hand_count_of_the_straight_line():
    """The off-by-one, checked on plain runs: 25 a day loses all 1,000 by day 39, a hair less
    does not (N / D = 25.6 would put the break-even in the wrong place)."""
    for per_day, holds in ((25, 1.0), (24.99, 0.0), (N / D, 1.0), (24, 0.0)):
        result = sim.run(line(per_day), reps=2)
        assert result.claims.set_index("id").loc["gone", "probability"] == holds, per_day


def test_break_even_of_a_straight_line_matches_the_hand_count_above_and_below():
    frame = decide(line(20), "gone", ["postures.combat.per_day=10:40", "units.a.size=500:2000"], precision=0.05)
    assert list(frame.columns) == COLUMNS
    r = rows(frame)
    rate = r["postures.combat.per_day"]
    # More casualties a day: the claim goes from failing (0) to holding (1) at 25 a day.
    assert (rate["low"], rate["high"], rate["scenario_value"]) == (10.0, 40.0, 20.0)
    assert (rate["p_at_low"], rate["p_at_high"], rate["holds"]) == (0.0, 1.0, "above")
    assert abs(rate["break_even"] - N / (D + 1)) <= xtol(rate)  # 0.03 a day
    # A step from 0 to 1: every level (1/3, 1/2, 2/3) is crossed at the same jump.
    assert abs(rate["at_one_third"] - 25) <= xtol(rate) and abs(rate["at_two_thirds"] - 25) <= xtol(rate)
    # No replication noise: every bootstrap resample gives the same crossing, interpolated
    # between the two values that bracket the jump (both within the tolerance of it).
    assert rate["break_even_q05"] == rate["break_even_q95"]
    assert abs(rate["break_even_q05"] - 25) <= xtol(rate)
    assert rate["distance"] == pytest.approx(abs(rate["break_even"] - 20) / 30)
    assert rate["reps"] == 100  # precision 0.05: 0.25 / 0.05**2
    assert rate["sentence"].startswith("gone holds when postures.combat.per_day is above 25.0 (90%: 25.0 to 25.0)")
    assert rate["sentence"].endswith("the scenario assumes 20.0")
    # More people at 20 a day: the claim holds up to the 800 lost by day 39 (20 x 40), so up to
    # 800.5 (a unit's size is rounded to whole people, 800.5 to 800).
    size = r["units.a.size"]
    assert (size["p_at_low"], size["p_at_high"], size["holds"]) == (1.0, 0.0, "below")
    assert abs(size["break_even"] - 800.5) <= xtol(size)  # 1.5 people
    assert size["sentence"].startswith("gone holds when units.a.size is below 800")
    # Sorted by distance from the scenario's value, as a share of the range: (800 from 1,000)
    # / 1,500 = 0.13 before (25 from 20) / 30 = 0.17.
    assert frame["param"].tolist() == ["units.a.size", "postures.combat.per_day"]


def test_break_even_with_poisson_noise_is_near_the_hand_count():
    # 100,000 people, Poisson counts: the casualties by day 39 are Poisson(40 c), whose median
    # is N at c = N / 40 = 2,500 (to within 1/3 of a person in 40 c).  Their spread, sqrt(N) =
    # 316 people, is 7.9 a day in c; 100 replications place the crossing to about 1 a day.
    # 0.5% (12.5 a day) is ten times that, and still excludes N / D (2,564, 2.6% away).
    n = 100_000
    frame = decide(line(2000, size=n, noise="poisson"), "gone", ["postures.combat.per_day=2000:3000"], precision=0.05)
    r = frame.iloc[0]
    assert r["holds"] == "above" and (r["p_at_low"], r["p_at_high"]) == (0.0, 1.0)
    assert r["break_even"] == pytest.approx(n / (D + 1), rel=0.005)
    assert r["break_even_q05"] < r["break_even_q95"]  # noise now: an interval of some width
    assert r["break_even_q05"] == pytest.approx(2500, rel=0.005)
    assert r["break_even_q95"] == pytest.approx(2500, rel=0.005)
    # The 1/3 and 2/3 crossings: 40 c = N -/+ z sqrt(N) with z = 0.43 (the normal's 2/3
    # quantile), 2 z sqrt(N) / 40 = 6.8 a day apart.  Each is placed to about 1 a day, so the
    # gap to about 1.4: 2.5 to 12 leaves three of those on each side.
    assert r["at_one_third"] < r["break_even"] < r["at_two_thirds"]
    gap = 2 * stats.norm.ppf(2 / 3) * math.sqrt(n) / (D + 1)
    assert gap == pytest.approx(6.8, abs=0.05)
    assert 2.5 < r["at_two_thirds"] - r["at_one_third"] < 12


def test_a_range_without_a_crossing_says_the_claim_holds_or_fails_across_it():
    frame = decide(
        line(20),
        "gone",
        [
            "postures.combat.per_day=30:40",  # at least 30 a day: all lost by day 33 at the latest
            "units.a.size=2000:3000",  # 800 lost by day 39, of at least 2,000
            "wounded.recovery_days.mean=5:50",  # no effect at all: everyone hit is killed
        ],
        precision=0.05,
    )
    r = rows(frame)
    expected = {
        "postures.combat.per_day": (
            1.0,
            "gone holds across postures.combat.per_day from 30.0 to 40.0 (probability 100% to 100%)",
        ),
        "units.a.size": (0.0, "gone fails across units.a.size from 2,000 to 3,000 (probability 0% to 0%)"),
        "wounded.recovery_days.mean": (
            0.0,
            "gone fails across wounded.recovery_days.mean from 5.0 days to 50.0 days (probability 0% to 0%)",
        ),
    }
    for path, (p, words) in expected.items():
        row = r[path]
        assert row["p_at_low"] == row["p_at_high"] == p, path
        for c in ("break_even", "break_even_q05", "break_even_q95", "at_one_third", "at_two_thirds"):
            assert math.isnan(row[c]), (path, c)
        assert row["holds"] == "", path  # no side: an empty string
        assert row["distance"] == math.inf
        # The ends, the scenario's value (or the middle) and the two points half way, all on one
        # side: the root-finder is not started.
        assert row["evaluations"] == 5 and row["crossings"] == 0 and row["p_min"] == row["p_max"] == p
        assert row["sentence"].startswith(words), row["sentence"]


def test_a_claim_that_holds_only_inside_the_range_is_not_said_to_fail_across_it():
    # A probability that is not monotone in the value: between 300 and 500 left on day 39
    # holds for 12.5 <= c <= 17.5 a day (1,000 - 40 c), so at the scenario's own 15, and fails
    # at both ends of 10 to 20.
    band = {
        "id": "band",
        "says": "300 to 500 left on 9 February",
        "source": SOURCE,
        "holds_if": {"measure": "effective", "between": [300, 500], "on": BY},
    }
    s = line(15, claims=[band])
    assert sim.run(s, reps=2).claims.set_index("id").loc["band", "probability"] == 1.0
    row = decide(s, "band", ["postures.combat.per_day=10:20"], precision=0.05).iloc[0]
    assert "fails across" not in row["sentence"], row["sentence"]


# -- the ISW case, against the files made by hand ---------------------------------------------

ISW = ROOT / "scenarios" / "isw-92-a-day-wounded-all-lost.yaml"
ISW_16 = ROOT / "scenarios" / "isw-rate-16pct-wounded-return.yaml"
ISW_CLAIM = "isw-all-lost-by-april"
ISW_PARAMS = ["wounded.return_to_duty=0:0.3"]
ISW_RECOVERY = ["wounded.recovery_days={mean: 21, min: 7}"]  # as in the 16% file


@pytest.fixture(scope="module")
def isw() -> pd.Series:
    return decide(str(ISW), ISW_CLAIM, ISW_PARAMS, overrides=ISW_RECOVERY).iloc[0]


def test_the_isw_break_even_lies_between_the_hand_made_12_and_16_percent(isw):
    # docs/kursk.md: with 12% of the wounded returning the claim holds, with 16% it fails.
    assert isw["param"] == "wounded.return_to_duty" and isw["reps"] == 625  # the default precision, 0.02
    assert (isw["p_at_low"], isw["p_at_high"]) == (1.0, 0.0)
    assert 0.14 < isw["break_even"] < 0.16
    assert isw["holds"] == "below"
    assert isw["break_even_q05"] <= isw["break_even"] <= isw["break_even_q95"]
    assert isw["break_even_q95"] - isw["break_even_q05"] < 0.01  # 625 runs a value: a narrow interval
    assert isw["at_two_thirds"] < isw["break_even"] < isw["at_one_third"]  # the probability falls
    assert isw["sentence"].startswith(f"{ISW_CLAIM} holds when wounded.return_to_duty is below ")
    assert isw["sentence"].endswith("the scenario assumes 0%")


def test_plain_runs_of_the_16_percent_file_fall_on_either_side_of_one_half():
    def p(share: str) -> float:
        s = sim.load_scenario(ISW_16, [f"wounded.return_to_duty={share}"])
        return sim.run(s).claims.set_index("id").loc[ISW_CLAIM, "probability"]

    # The file's own 2,000 runs: about 0.11 at 16% and 0.99 at 12%, far from 1/2 both.
    assert p("0.16") < 0.5 < p("0.12")


def test_another_seed_moves_the_break_even_only_within_the_precision(isw):
    other = decide(str(ISW), ISW_CLAIM, ISW_PARAMS, overrides=ISW_RECOVERY, seed=1).iloc[0]
    assert other["break_even"] != isw["break_even"]  # the seed is used
    # A standard error of 0.02 in the probability is 0.02 / slope in the value, the slope being
    # the 1/3 the probability falls between its 2/3 and 1/3 crossings (about 37 per unit, so
    # 0.0005).  Two independent estimates differ by sqrt(2) of that; four of those is 0.003.
    slope = (1 / 3) / (isw["at_one_third"] - isw["at_two_thirds"])
    allowed = 4 * math.sqrt(2) * 0.02 / slope
    assert 0.001 < allowed < 0.01  # (the slope is what the comment says)
    for c in ("break_even", "at_one_third", "at_two_thirds"):
        assert abs(other[c] - isw[c]) < allowed, c
    assert other["break_even_q05"] < isw["break_even_q95"] and isw["break_even_q05"] < other["break_even_q95"]
    assert other["holds"] == "below"


# -- reproducibility and the default assumptions -----------------------------------------------

HALF = {
    "id": "half-by-march",
    "says": "half of them gone by March",
    "source": SOURCE,
    "holds_if": {"threshold": "half", "by": "2025-03-01"},
}


def small() -> sim.Scenario:
    return make(SWEEP_SCENARIO, claims=[HALF])


def test_one_or_two_workers_give_the_same_frame():
    params = ["postures.combat.daily_rate=0.005:0.03", "wounded.return_to_duty=0:0.6", "casualties.killed=0.1:0.3"]
    rate = ["postures.combat.daily_rate=0.015"]  # near the claim's break-even: each assumption matters
    one = decide(small(), "half-by-march", params, overrides=rate, precision=0.05, workers=1)
    two = decide(small(), "half-by-march", params, overrides=rate, precision=0.05, workers=2)
    assert len(one) == 3 and one["break_even"].notna().sum() == 2  # two with a crossing, searched for
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))  # exactly


def test_without_params_every_uncertain_parameter_is_examined_over_its_own_range():
    data = copy.deepcopy(SWEEP_SCENARIO)
    data["postures"] = {"combat": {"daily_rate": {"normal": [0.012, 0.002]}}}
    data["units"] = [
        *data["units"],
        {"name": "b", "arrive": {"uniform": ["2025-02-01", "2025-03-01"]}, "size": 300, "chance": 0.5},
        {"name": "c", "arrive": "2025-02-01", "size": 100, "chance": 0.0},  # never comes: not uncertain
        {"name": "d", "arrive": "2025-02-01", "size": 100, "chance": 1.0},  # always comes: not uncertain
    ]
    frame = decide(make(data, claims=[HALF]), "half-by-march", precision=0.05)
    r = rows(frame)
    assert set(r) == {"postures.combat.daily_rate", "wounded.return_to_duty", "units.b.arrive", "units.b.chance"}
    z = stats.norm.ppf(0.99)  # a normal without bounds: its 1% and 99% quantiles
    assert (r["postures.combat.daily_rate"]["low"], r["postures.combat.daily_rate"]["high"]) == pytest.approx(
        (0.012 - z * 0.002, 0.012 + z * 0.002)
    )
    assert (r["wounded.return_to_duty"]["low"], r["wounded.return_to_duty"]["high"]) == (0.1, 0.4)
    assert (r["units.b.chance"]["low"], r["units.b.chance"]["high"]) == (0.0, 1.0)  # a chance: 0 to 1
    # The day's range covers 2025-02-01 (day 31) to 2025-03-01 (day 59), within half a day.
    assert abs(r["units.b.arrive"]["low"] - 31) <= 0.5 and abs(r["units.b.arrive"]["high"] - 59) <= 0.5
    assert r["postures.combat.daily_rate"]["scenario_value"] == pytest.approx(0.012)
    assert frame["distance"].is_monotonic_increasing
    assert list(frame.columns) == COLUMNS
    # Given as days, the range is taken as it is, and said as dates.
    given = decide(make(data, claims=[HALF]), "half-by-march", ["units.b.arrive=31:59"], precision=0.05).iloc[0]
    assert (given["low"], given["high"]) == (31, 59) and "from 2025-02-01 to 2025-03-01" in given["sentence"]


def test_a_days_default_range_stays_within_the_scenarios_dates():
    data = copy.deepcopy(SWEEP_SCENARIO)
    data["units"] = [
        *data["units"],
        {"name": "b", "arrive": {"uniform": ["2025-02-01", "2025-03-01"]}, "size": 300},
    ]
    frame = decide(make(data, claims=[HALF]), "half-by-march", precision=0.05)
    row = rows(frame)["units.b.arrive"]
    assert "from 2025-02-01 to 2025-03-01" in row["sentence"], row["sentence"]


# -- PRIM on data whose box is known -----------------------------------------------------------


def cube(seed: int = 42) -> pd.DataFrame:
    """2,000 points uniform in [0, 1]^4."""
    return pd.DataFrame(np.random.default_rng(seed).uniform(size=(2000, 4)), columns=list("abcd"))


def in_true_box(x: pd.DataFrame) -> np.ndarray:
    return ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()


def test_prim_recovers_a_known_box():
    x = cube()
    y = in_true_box(x)
    boxes = peel(x, y)
    # The trajectory: from every point down to the minimum support, each box inside the last.
    assert (boxes[0].support, boxes[0].coverage, boxes[0].restricted) == (1.0, 1.0, [])
    assert boxes[0].density == pytest.approx(y.mean())
    assert all(b.support < a.support for a, b in itertools.pairwise(boxes))
    assert all(b.coverage <= a.coverage for a, b in itertools.pairwise(boxes))
    assert 0.05 <= boxes[-1].support < 0.05 / 0.95 + 0.001  # the last peel stays above 5%
    # Peeling cuts 5% of the points inside at a time: the last cut on a side lies within one
    # such step of the true edge (about 0.01 here); 0.03 leaves room.
    for min_density in (0.9, 0.99):
        box = paste(x, y, choose(boxes, min_density))
        assert set(box.restricted) == {"a", "b"}, min_density  # c and d are left alone
        (a_lo, a_hi), (b_lo, b_hi) = box.limits["a"], box.limits["b"]
        assert a_lo == pytest.approx(0.6, abs=0.03) and b_hi == pytest.approx(0.3, abs=0.03), min_density
        assert a_hi == x["a"].max() and b_lo == x["b"].min()  # the other sides are not cut
        assert box.density >= min_density and box.coverage > 0.95, min_density
        assert box.support == pytest.approx(y.mean(), abs=0.02)  # the true box holds 12% of the cube
    # The default (a density of at least 0.9) takes every point of interest; asking for 0.99
    # gives up a few of them for a box of those alone.
    assert paste(x, y, choose(boxes)).coverage == 1.0
    assert box.density == 1.0
    words = describe(box, "claim", True, len(y))
    assert words.startswith(f"claim holds when a is at least {a_lo:.4g} and b is at most {b_hi:.4g}: ")
    assert words.endswith(f"which hold {box.coverage:.0%} of all the points where it holds (12% of all points)")


def test_prim_recovers_a_known_box_through_noise():
    x = cube()
    truth = in_true_box(x)
    flip = np.random.default_rng(7).uniform(size=len(x)) < 0.1
    y = truth ^ flip  # one point in ten the wrong way
    # The true box is now about 0.9 dense (0.93 with this seed, above the default 0.9 asked
    # for) and holds about 0.55 of the points of interest (the flipped points outside it are
    # cases of interest no box of it can hold).
    density, coverage = y[truth].mean(), y[truth].sum() / y.sum()
    assert density > 0.92 and 0.5 < coverage < 0.6
    box = paste(x, y, choose(peel(x, y)))
    assert set(box.restricted) == {"a", "b"}
    # Noise blurs the edges where a cut is judged; 0.05 (a few peeling steps) allows for it.
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["b"][1] == pytest.approx(0.3, abs=0.05)
    # The box chosen holds the most points of interest among those dense enough: about as many
    # as the true box, or more by taking in some of the flipped points just outside it.
    assert 0.9 <= box.density <= density
    assert coverage - 0.05 <= box.coverage <= coverage + 0.05


# -- discover on a real sweep ------------------------------------------------------------------

RATE = "postures.combat.daily_rate"
SWEPT = [f"{RATE}=0.005:0.03", "disease.recovery_days.mean=5:50"]  # no disease: the second does nothing


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweeps") / "sw"
    sim.sweep(
        small(), SWEPT, design="lhs", n=100, reps=100, seed=3, outputs=["p_holds:half-by-march"], out=out, workers=1
    )
    return out


def test_discover_finds_the_assumption_that_decides(sweep_dir):
    trajectory, box = discover(sweep_dir, "half-by-march")
    assert box["param"].tolist() == [RATE]  # the recovery of a disease nobody catches plays no part
    r = box.iloc[0]
    assert r["high"] == r["swept_high"] and r["low"] > r["swept_low"]  # holds from some rate up
    assert box.attrs["sentence"].startswith(f"half-by-march holds when {RATE} is at least ")
    assert box.attrs["coverage"] > 0.9 and box.attrs["density"] >= 0.9
    assert trajectory["chosen"].sum() == 1 and trajectory["step"].tolist() == list(range(len(trajectory)))
    _, fails = discover(sweep_dir, "half-by-march", holds=False)
    assert fails["param"].tolist() == [RATE] and fails.iloc[0]["low"] == fails.iloc[0]["swept_low"]
    assert fails.attrs["sentence"].startswith(f"half-by-march fails when {RATE} is at most ")
    # The edge is where the probability crosses 1/2, as decide finds it on the same scenario.
    # A box of density 0.9 may hold 10% of its points from the other side, and the points lie
    # evenly along the rate: its edge may lie up to 10% of its width past the crossing.
    found = decide(small(), "half-by-march", [f"{RATE}=0.005:0.03"], precision=0.05).iloc[0]
    be, half_interval = found["break_even"], (found["break_even_q95"] - found["break_even_q05"]) / 2
    assert half_interval < 0.001
    for b, edge in ((box, "low"), (fails, "high")):
        width = b.iloc[0]["high"] - b.iloc[0]["low"]
        assert abs(b.iloc[0][edge] - be) <= 0.1 * width + half_interval, (edge, b.iloc[0][edge], be)
    # Boxes without a point from the other side bracket the crossing, up to decide's own
    # 90% interval (the points in between are toss-ups with 100 runs each).
    _, pure_holds = discover(sweep_dir, "half-by-march", min_density=1.0)
    _, pure_fails = discover(sweep_dir, "half-by-march", holds=False, min_density=1.0)
    top_of_fails, bottom_of_holds = pure_fails.iloc[0]["high"], pure_holds.iloc[0]["low"]
    assert top_of_fails < bottom_of_holds
    assert top_of_fails - half_interval <= be <= bottom_of_holds + half_interval


# -- the commands ------------------------------------------------------------------------------


cli = simulate  # piped at 80 columns


@pytest.fixture
def small_file(tmp_path) -> Path:
    return write(tmp_path / "small.yaml", {**copy.deepcopy(SWEEP_SCENARIO), "claims": [HALF]})


def test_decide_writes_its_three_files_and_prints_the_table(small_file, tmp_path):
    out = tmp_path / "dec"
    args = ["--param", f"{RATE}=0.005:0.03", "--param", "disease.recovery_days.mean=5:50"]
    p = cli(
        "decide", str(small_file), "--claim", "half-by-march", *args, "--precision", "0.05", "--workers", "1",
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert {f.name for f in out.iterdir()} - {".sim-output.json"} == {"decide.csv", "decide.json", "decide.png"}
    assert (out / "decide.png").read_bytes()[:4] == b"\x89PNG"
    frame = pd.read_csv(out / "decide.csv")
    assert list(frame.columns) == COLUMNS and frame["param"].tolist() == [RATE, "disease.recovery_days.mean"]
    info = json.loads((out / "decide.json").read_text())
    assert (info["claim"], info["reps_per_value"], info["seed"]) == ("half-by-march", 100, 11)
    assert [a["param"] for a in info["assumptions"]] == frame["param"].tolist()
    assert "Break-even values" in p.stdout and "no crossing" in p.stdout
    # At 80 columns the table fits (the range under the assumption, the interval under the
    # break-even) and nothing is cut short; only the sentences may run longer.
    lines = p.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith(RATE))
    assert "0.5% to 3.0%" in lines[row + 1] and "(1.4% to" in lines[row + 1] and "1.5%)" in lines[row + 2]
    long = [line for line in p.stdout.splitlines() if len(line) > 80]
    assert all(line.startswith(("small:", "- ", "wrote ")) for line in long) and "…" not in p.stdout, long
    assert frame["sentence"].tolist() == [
        f"half-by-march holds when {RATE} is above 1.4% (90%: 1.4% to 1.5%); the scenario assumes 1.0%",
        "half-by-march fails across disease.recovery_days.mean from 5.0 days to 50.0 days (probability 0% to 0%)",
    ]
    printed = " ".join(p.stdout.split())  # the console wraps long lines
    assert all(f"- {sentence}" in printed for sentence in frame["sentence"])
    assert "wrote 3 files to" in p.stdout


def test_discover_writes_its_four_files(sweep_dir, tmp_path):
    out = tmp_path / "disc"
    p = cli("discover", str(sweep_dir), "--claim", "half-by-march", "--out", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    names = {f.name for f in out.iterdir()} - {".sim-output.json"}
    assert names == {"box.csv", "trajectory.csv", "discover.json", "discover.png"}
    assert (out / "discover.png").read_bytes()[:4] == b"\x89PNG"
    trajectory, box = discover(sweep_dir, "half-by-march")
    pd.testing.assert_frame_equal(pd.read_csv(out / "box.csv"), box, check_exact=False, rtol=1e-5)
    assert len(pd.read_csv(out / "trajectory.csv")) == len(trajectory)
    info = json.loads((out / "discover.json").read_text())
    assert info["sentence"] == box.attrs["sentence"] and info["holds"] is True
    assert f"half-by-march holds when {RATE} is at least" in p.stdout.replace("\n", "")


BAD_DECIDE = [
    (["--claim", "nope"], "error: --claim: nope: no claim with this id in scenario 'small' (claims: half-by-march)"),
    (
        ["--claim", "half-by-march", "--param", "postures.combat.bogus=0:1"],
        "error: --param: postures.combat.bogus: not a numeric parameter of scenario 'small'",
    ),
    (
        ["--claim", "half-by-march", "--param", "wounded.return_to_duty=0:1.5"],
        "error: --param: wounded.return_to_duty: must lie in [0, 1]",
    ),
    (
        ["--claim", "half-by-march", "--param", "wounded.return_to_duty=0.5:0.2"],
        "error: --param: wounded.return_to_duty: a range needs low < high",
    ),
    (["--claim", "half-by-march", "--precision", "0"], "error: --precision: precision: must be between 0.001 and 0.25"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_DECIDE, ids=["unknown-claim", "not-a-parameter", "outside-domain", "reversed", "precision"]
)
def test_bad_decide_input_fails_in_one_line_and_writes_nothing(small_file, tmp_path, args, message):
    out = tmp_path / "dec"
    p = cli("decide", str(small_file), *args, "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith(message), p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert sorted(x.name for x in tmp_path.iterdir()) == ["small.yaml"]


def test_bad_discover_input_fails_in_one_line_and_writes_nothing(small_file, tmp_path):
    not_a_sweep = tmp_path / "notes"
    not_a_sweep.mkdir()
    (not_a_sweep / "a.txt").write_text("mine")
    no_claim = tmp_path / "sw"  # a sweep without the claim's output
    sim.sweep(small(), [f"{RATE}=0.005:0.03"], design="lhs", n=4, reps=10, outputs=["median_day:half"], out=no_claim)
    before = sorted(str(x.relative_to(tmp_path)) for x in tmp_path.rglob("*"))
    cases = [
        ([str(not_a_sweep), "--claim", "half-by-march"], [str(not_a_sweep), "no sweep.json"]),
        (
            [str(no_claim), "--claim", "half-by-march"],
            ["--claim: half-by-march: the sweep has no output p_holds:half-by-march (claim outputs: none)"],
        ),
        ([str(no_claim), "--claim", "half-by-march", "--alpha", "0"], ["--alpha: must be between 0.01 and 0.5"]),
    ]
    for args, words in cases:
        p = cli("discover", *args, "--out", str(tmp_path / "disc"), cwd=tmp_path)
        assert p.returncode == 2, p.stderr
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: "), p.stderr
        assert all(w in p.stderr for w in words), p.stderr
        assert "Traceback" not in p.stderr and p.stdout == ""
        assert sorted(str(x.relative_to(tmp_path)) for x in tmp_path.rglob("*")) == before


def test_discover_on_a_folder_that_is_not_a_sweep_names_the_argument_not_out(tmp_path):
    (tmp_path / "notes").mkdir()
    p = cli("discover", str(tmp_path / "notes"), "--claim", "c", "--out", str(tmp_path / "disc"), cwd=tmp_path)
    assert p.returncode == 2
    assert "--out" not in p.stderr and "resume" not in p.stderr, p.stderr


def test_claims_decided_by_names_the_nearest_break_even(tmp_path):
    """``claims --decided-by``: the assumption whose break-even lies closest to the scenario's
    value.  Here the daily rate decides (the return share moves the crossing date little), and
    its break-even is the one decide finds at the same precision."""
    data = copy.deepcopy(SWEEP_SCENARIO)
    data["postures"] = {"combat": {"daily_rate": {"uniform": [0.004, 0.03]}}}
    data["claims"] = [HALF]
    path = write(tmp_path / "small.yaml", data)
    out = tmp_path / "claims"
    cmd = [sys.executable, str(ROOT / "simulate.py"), "claims", str(path), "--decided-by", "--reps", "200",
           "--no-plot", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "claims.csv")
    expected = decide(sim.load_scenario(path), "half-by-march", precision=0.03).iloc[0]
    assert expected["holds"] == "above"  # the claim holds at high rates: the rate has a break-even
    assert table.loc[0, "decided_by"].startswith(f"{expected['param']} = "), table.loc[0, "decided_by"]
    assert "decided by" in (out / "claims.md").read_text()


def test_the_sentence_uses_the_verdicts_words_only_where_the_verdict_says_so():
    import datetime

    from sim.decision.breakeven import sentence, side_words

    start = datetime.date(2025, 1, 1)
    row = {"param": "casualties.killed", "scenario_value": 0.2, "low": 0.1, "high": 0.3, "break_even": None}
    near = sentence({**row, "p_at_low": 0.48, "p_at_high": 0.5, "p_min": 0.48, "p_max": 0.49}, "c", start)
    assert "c stays less likely than not across" in near  # a toss-up by the verdict, not "fails"
    clear = sentence({**row, "p_at_low": 0.1, "p_at_high": 0.2, "p_min": 0.1, "p_max": 0.2}, "c", start)
    assert "c fails across" in clear
    assert side_words("phases.0.from", "above") == "after" and side_words("units.a.size", "above") == "above"
