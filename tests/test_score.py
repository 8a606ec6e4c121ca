"""Forecasts scored against later reports (sim.scoring, ``simulate.py score``): known answers
where every replication is the same, coverage of reports drawn from the model itself, the
command's files and table, bad input, and a run folder scored as its scenario."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from conftest import BASE, make, simulate
from sim.estimates import Estimates
from sim.posterior import posterior_draws
from sim.scoring import score, summary

SOURCE = {"who": "test", "outlet": "test", "url": "https://example.org"}


def report(rid: str, day: str | list[str], value: float, kind: str = "casualties", **more) -> dict:
    when = {"dates": day} if isinstance(day, list) else {"date": day}
    return {"id": rid, **when, "kind": kind, "value": value, "says": rid, **SOURCE, **more}


# -- known answers: no randomness at all ------------------------------------------------------
#
# 10,000 people in combat from 2025-01-01, 100 casualties a day with no noise, all killed: the
# casualties of day d (0 on 1 January) are 100 (d + 1) in every replication (the day's measure
# is taken at its end).  Every replication has the same figure, so the projection is a point:
# its quantiles are the figure, a report equal to it has the mid-rank PIT 1/2, lies in both
# bands (ends included), and has CRPS and interval score 0; a report 5,000 above has PIT 1,
# lies in no band, CRPS 5,000 (the absolute error, as for any point forecast) and interval
# score 0 + (2 / 0.1) x 5,000 = 100,000.
LINE = make(seed=3, end="2025-03-31", postures={"combat": {"per_day": 100, "noise": "none"}})


def test_known_answers_when_every_replication_is_the_same():
    est = Estimates.model_validate(
        {
            "case": "line",
            "estimates": [
                report("seen", "2025-01-05", 600),  # on or before the cut-off: not scored
                report("equal", "2025-01-10", 1000),
                report("far-above", "2025-01-20", 7000),
                report("far-below", "2025-01-20", 500, kind="killed"),  # truth 2,000 killed
                report("days", ["2025-01-08", "2025-01-12"], 1000),  # average of 800..1,200
                report("range", "2025-01-10", None, low=800, high=1200),  # scored at its middle
                report("bound-holds", "2025-01-10", 900, lower_bound=True),
                report("bound-fails", "2025-01-10", 1000, lower_bound=True),  # not above 1,000
                report("context", "2025-01-10", 12000, kind="expected"),  # no model measure
            ],
        }
    )
    frame = score(LINE, est, after="2025-01-07", reps=50, seed=1, truth=True).set_index("id")
    assert list(frame.index) == ["equal", "far-above", "far-below", "days", "range", "bound-holds", "bound-fails"]
    # The truth, checked on a plain run: 100 (d + 1) casualties on day d.
    run = sim.run(LINE, reps=3, seed=1, keep_trajectories=True)
    assert run.trajectories["casualties"][:, 9].tolist() == [1000] * 3

    eq = frame.loc["equal"]
    assert eq["q50"] == eq["q05"] == eq["q95"] == 1000
    assert eq["pit"] == 0.5 and eq["in_50"] and eq["in_90"]
    assert eq["crps"] == 0 and eq["interval_score_90"] == 0

    up = frame.loc["far-above"]
    assert up["q50"] == 2000 and up["pit"] == 1.0 and not up["in_50"] and not up["in_90"]
    assert up["crps"] == pytest.approx(5000) and up["interval_score_90"] == pytest.approx(100_000)

    down = frame.loc["far-below"]
    assert down["q50"] == 2000 and down["pit"] == 0.0 and not down["in_90"]
    assert down["crps"] == pytest.approx(1500) and down["interval_score_90"] == pytest.approx(30_000)

    days = frame.loc["days"]  # a report over days is compared with the measure's average over them
    assert days["q50"] == 1000 and days["pit"] == 0.5 and days["crps"] == 0
    assert days["date"].isoformat() == "2025-01-10" and "average" in days["note"]
    rng = frame.loc["range"]
    assert rng["reported"] == 1000 and rng["pit"] == 0.5 and rng["crps"] == 0 and "its middle" in rng["note"]
    assert (rng["low"], rng["high"]) == (800, 1200) and frame.loc["equal", "note"] == ""

    for rid, holds in (("bound-holds", 1.0), ("bound-fails", 0.0)):
        b = frame.loc[rid]
        assert b["holds"] == holds and np.isnan(b["pit"]) and np.isnan(b["crps"]) and pd.isna(b["in_90"])
        assert b["note"].startswith("lower bound")
    assert frame.loc[["equal", "far-above"], "holds"].isna().all()

    s = summary(frame.reset_index())
    assert (s["reports"], s["point_reports"], s["lower_bounds"]) == (7, 5, 2)
    assert s["coverage_50"] == s["coverage_90"] == 0.6 and (s["expected_50"], s["expected_90"]) == (0.5, 0.9)
    assert s["mean_crps"] == pytest.approx((5000 + 1500) / 5)
    assert s["mean_interval_score_90"] == pytest.approx(20 * (5000 + 1500) / 5)
    assert s["mean_abs_pit_deviation"] == pytest.approx(0.2)  # 0, 0.5, 0.5, 0, 0
    assert s["pit_histogram"]["counts"] == [1, 0, 0, 0, 0, 3, 0, 0, 0, 1]
    assert s["lower_bounds_mean_holds"] == 0.5


# -- reports drawn from the model itself ------------------------------------------------------
#
# A projection scored against reports drawn from its own predictive distribution is calibrated
# by construction: each report is the true figure of one replication of an independent run
# (seed 99; a replication of its own for each report, so the reports are independent), and the
# scores use 2,000 replications of seed 1.  The reported figure lies in the 90% band with
# probability 0.9 (a little more: the counts are whole numbers and the band's ends count as in),
# so of 200 reports the count inside is about Binomial(200, 0.9): a standard deviation of 0.021
# in the share; 0.07 is more than three of them.  The 50% band: sd 0.035, tolerance 0.12.
STOCHASTIC = {
    **copy.deepcopy(BASE),
    "name": "stochastic",
    "end": "2025-04-30",
    "seed": 1,
    "postures": {"combat": {"daily_rate": {"uniform": [0.004, 0.012]}}},
    "casualties": {"killed": {"uniform": [0.1, 0.3]}},
    "wounded": {"return_to_duty": {"uniform": [0.2, 0.5]}, "recovery_days": {"mean": 14, "min": 5}},
}
MEASURES = ("casualties", "killed", "effective", "wounded")
N_REPORTS = 200


def self_drawn_reports(path: Path, scenario: sim.Scenario, n: int = N_REPORTS) -> list[dict]:
    """``n`` reports, each the true figure of its own replication of a run with seed 99, written
    as an estimates file at ``path``; every fifth one is dated over a week (the measure's
    average over it)."""
    truth = sim.run(scenario, reps=n, seed=99, keep_trajectories=True).trajectories
    start = pd.Timestamp(scenario.start)
    items = []
    for j in range(n):
        kind, first = MEASURES[j % len(MEASURES)], 5 + (j * 7) % 100
        last = first + (6 if j % 5 == 0 else 0)
        value = float(truth[kind][j, first : last + 1].mean())
        days = [str((start + pd.Timedelta(days=d)).date()) for d in (first, last)]
        items.append(report(f"r{j}", days if last > first else days[0], round(value, 3), kind=kind))
    path.write_text(yaml.safe_dump({"case": "self", "estimates": items}, sort_keys=False))
    return items


def test_reports_drawn_from_the_projection_are_covered_as_often_as_the_bands_say(tmp_path):
    scenario = make(STOCHASTIC)
    self_drawn_reports(tmp_path / "self.yaml", scenario)
    frame = score(scenario, tmp_path / "self.yaml", reps=2000, seed=1, truth=True)
    s = summary(frame)
    assert s["point_reports"] == N_REPORTS
    assert abs(s["coverage_90"] - 0.9) < 0.07, s
    assert abs(s["coverage_50"] - 0.5) < 0.12, s
    # Even PITs: |PIT - 0.5| averages 0.25 (sd of the mean of 200: 0.144 / sqrt(200) = 0.010).
    assert abs(s["mean_abs_pit_deviation"] - 0.25) < 0.04, s
    # The same reports against a projection that is wrong (a fixed rate above the true range,
    # set as --set would): the bands now miss most of them, and the PITs pile up at the ends.
    wrong = summary(
        score(
            scenario,
            tmp_path / "self.yaml",
            reps=500,
            seed=1,
            overrides=["postures.combat.daily_rate=0.02"],
            truth=True,
        )
    )
    assert wrong["coverage_90"] < 0.5 and wrong["mean_abs_pit_deviation"] > 0.35, wrong


# -- the command ------------------------------------------------------------------------------
cli = simulate  # piped at 80 columns


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    """A scenario file naming its estimates file (40 reports drawn from the model), in a folder."""
    d = tmp_path_factory.mktemp("case")
    data = {**copy.deepcopy(STOCHASTIC), "reps": 400, "estimates": "reports.yaml"}
    (d / "s.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    self_drawn_reports(d / "reports.yaml", make(STOCHASTIC), n=40)
    return d


def test_the_command_writes_its_files_and_prints_its_table(case, tmp_path):
    out = tmp_path / "out"
    p = cli("score", str(case / "s.yaml"), "--after", "2025-02-15", "--seed", "5", "--out", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    # At 80 columns the date goes under the report's id and the long headers on two lines; the
    # tables fit and nothing is cut short (only the sentences above them may run longer).
    for text in ("Reports against the projection", "projection", "median (90%)", "PIT", "90%?", "CRPS"):
        assert text in p.stdout
    assert "…" not in p.stdout
    assert "coverage: 50% band" in p.stdout and "expected 90%" in p.stdout and "PIT histogram" in p.stdout
    assert {f.name for f in out.iterdir()} - {".sim-output.json"} == {"scores.csv", "score.json", "score.png"}
    assert (out / "score.png").read_bytes()[:4] == b"\x89PNG"
    written = pd.read_csv(out / "scores.csv")
    long = [line for line in p.stdout.splitlines() if len(line) > 80]
    assert all(line.startswith(("stochastic:", f"{len(written)} reports", "mean CRPS", "wrote ")) for line in long), (
        long
    )
    info = json.loads((out / "score.json").read_text())
    assert info["after"] == "2025-02-15" and info["reps"] == 400 and info["seed"] == 5
    assert info["estimates_file"].endswith("reports.yaml") and info["posterior"] is None
    assert info["summary"]["reports"] == len(written) == len(info["reports"]) > 10
    assert all(r["last"] > "2025-02-15" for r in info["reports"])
    assert any("cut-off" in r["reason"] for r in info["left_out"])
    for rid in written["id"]:
        assert rid in p.stdout
    # The same numbers as the library's, with the scenario's reps and the seed given.
    lib = score(case / "s.yaml", after="2025-02-15", reps=400, seed=5)
    cols = ["reported", "q50", "q05", "q95", "pit", "crps", "interval_score_90"]
    np.testing.assert_allclose(written[cols].to_numpy(), lib[cols].to_numpy(dtype=float), rtol=1e-5)


def test_a_run_folder_scores_as_its_scenario_with_its_posterior(case, tmp_path):
    """``run --posterior`` records the posterior file in summary.json; scoring the folder uses
    it and the run's seed and reps, and gives the numbers of the scenario scored with them."""
    post = tmp_path / "post.parquet"
    pd.DataFrame({"postures.combat.daily_rate": np.linspace(0.015, 0.02, 50), "walker": 0}).to_parquet(post)
    run = tmp_path / "run"
    p = cli("run", str(case / "s.yaml"), "--reps", "300", "--seed", "8", "--posterior", str(post), "--out", str(run))
    assert p.returncode == 0, p.stderr
    assert json.loads((run / "summary.json").read_text())["posterior"]["file"] == str(post.resolve())
    p = cli("score", str(run), "--after", "2025-02-01", "--out", str(tmp_path / "folder"), "-q", "--no-plot")
    assert p.returncode == 0, p.stderr
    folder = pd.read_csv(tmp_path / "folder" / "scores.csv")
    info = json.loads((tmp_path / "folder" / "score.json").read_text())
    assert info["kind_of_source"] == "run folder" and info["posterior"]["file"] == str(post.resolve())
    assert (info["reps"], info["seed"]) == (300, 8)
    # The scenario scored with the same seed, reps and posterior (the command gives the
    # library's numbers, as the test above checks).
    scenario = sim.load_scenario(case / "s.yaml")
    values = posterior_draws(post, scenario, 300, 8)
    same = score(case / "s.yaml", after="2025-02-01", reps=300, seed=8, values=values)
    cols = ["reported", "q05", "q25", "q50", "q75", "q95", "pit", "crps", "interval_score_90"]
    assert folder["id"].tolist() == same["id"].tolist()
    np.testing.assert_allclose(folder[cols].to_numpy(), same[cols].to_numpy(dtype=float), rtol=1e-5)
    # The posterior (rates of 1.5% to 2% a day) is not the prior: without it the numbers differ.
    prior = score(case / "s.yaml", after="2025-02-01", reps=300, seed=8)
    assert (prior["q50"] != same["q50"]).any()


def test_bad_input_gets_one_line_exit_2_and_nothing_written(case, tmp_path, monkeypatch):
    """Through the command group in this process (each case fails before any work; a
    subprocess apiece would only add start-up time)."""
    from click.testing import CliRunner

    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    s = str(case / "s.yaml")
    (tmp_path / "notarun").mkdir()
    cases = {
        "unknown estimates file": ([s, "--against", "missing.yaml"], "--against: no estimates file at missing.yaml"),
        "a date outside the run": ([s, "--after", "2024-06-01"], "--after: must lie within the run"),
        "not a date": ([s, "--after", "2025-02-30"], "--after: '2025-02-30' is not a date"),
        "no report after --after": ([s, "--after", "2025-04-29"], "no reported figure of a model measure"),
        "a bad --set": ([s, "--set", "postures.nope.daily_rate=0.1"], "postures.nope"),
        "a folder that is not a run": (["notarun"], "not one written by simulate.py run"),
        "bad reps": ([s, "--reps", "0"], "--reps"),
    }
    for name, (args, message) in cases.items():
        got = CliRunner().invoke(main, ["score", *args, "--out", "out"])
        assert got.exit_code == 2, (name, got.output)
        err = got.stderr.strip()
        assert err.startswith("error: ") and "\n" not in err and message in err, (name, err)
        assert got.stdout == ""
        assert not (tmp_path / "out").exists(), name


def test_a_claim_is_checked_against_the_later_reports():
    """A claim tested against a number is checked on the unseen reports near its deadline: here
    "more than 2,500 casualties by 31 January" (the line gives 3,100) is projected certain, and
    came true by a report of 3,000 on 30 January (probability of what happened 1, Brier 0); a
    report seen before the cut-off, or far from the deadline, is not used."""
    claim = {"id": "many", "says": "s", "source": SOURCE, "holds_if": {"measure": "casualties", "above": 2500,
             "by": "2025-01-31"}}  # fmt: skip
    s = make(seed=3, end="2025-03-31", postures={"combat": {"per_day": 100, "noise": "none"}}, claims=[claim])
    est = Estimates.model_validate(
        {
            "case": "line",
            "estimates": [
                report("seen", "2025-01-05", 600),
                report("near", "2025-01-30", 3000),
                report("low-near", "2025-02-03", 2000),  # a lower count near the deadline
                report("far", "2025-03-01", 6000),
            ],
        }
    )
    from sim.scoring import scoring

    checks = scoring(s, est, after="2025-01-07", reps=20, seed=1).claims().set_index("report")
    assert list(checks.index) == ["near", "low-near"]
    assert checks.loc["near", "came_true"] and checks.loc["near", "probability"] == 1.0
    assert checks.loc["near", "brier"] == 0.0
    assert not checks.loc["low-near", "came_true"] and checks.loc["low-near", "probability_of_outcome"] == 0.0


def test_by_default_a_report_is_forecast_as_reported_with_its_error_and_its_reporters_lean():
    """With every replication the same (the line), the forecast of a report is the truth seen
    through the observation model: a 10% error gives a 90% band of the truth times
    exp(+-1.645 log 1.1); a reporter expected to count 1.5 times high moves the band up by that
    factor, so a report of 1.5 times the truth sits in its middle (PIT near 1/2)."""
    est = Estimates.model_validate(
        {
            "case": "line",
            "default_relative_error": 0.1,
            "reporters": {"high": {"bias": 1.5, "bias_spread": 0.0}},
            "estimates": [
                report("plain", "2025-01-10", 1000),
                report("leaning", "2025-01-20", 3000.5, reporter="high"),
            ],
        }
    )
    frame = score(LINE, est, reps=4000, seed=2).set_index("id")
    z = 1.6448536269514722
    plain = frame.loc["plain"]
    # 4,000 draws: the 5% and 95% quantiles within about 1% of the normal's (log scale, seeded).
    assert plain["q05"] == pytest.approx(1001 * 1.1 ** (-z) - 1, rel=0.01)
    assert plain["q95"] == pytest.approx(1001 * 1.1**z - 1, rel=0.01)
    assert abs(plain["pit"] - 0.5) < 0.03 and plain["in_90"]
    leaning = frame.loc["leaning"]  # the truth is 2,000 on 20 January
    assert leaning["q50"] == pytest.approx(1.5 * 2001 - 1, rel=0.01) and abs(leaning["pit"] - 0.5) < 0.03
    truth = score(LINE, est, reps=50, seed=2, truth=True).set_index("id")
    assert truth.loc["leaning", "pit"] == 1.0  # against the true figure the leaning report is far above
