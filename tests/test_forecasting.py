"""Honest forecasting: reporters' leans in the observation model, revised figures, and stories
weighed by the evidence of the reports (marginal likelihood by Monte Carlo over runs)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml
from scipy.stats import norm

import sim
from conftest import ROOT, write
from sim.calibration.compare import compare, weighted_quantiles
from sim.calibration.observations import (
    observation_covariance,
    observation_of,
    reporter_leans,
    select,
    synthetic_log_likelihood,
)
from sim.estimates import load_estimates

# A force losing exactly 100 a day (no noise), every casualty killed: its figures are known.
STRAIGHT = {
    "name": "straight",
    "start": "2025-01-01",
    "end": "2025-03-31",
    "seed": 3,
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 10_000}],
    "postures": {"combat": {"per_day": 100, "noise": "none"}},
    "casualties": {"killed": 1.0},
}


def estimate(id_, date, value, **more):
    return {"id": id_, "date": date, "kind": "killed", "value": value, "says": "s", "who": "w", "outlet": "o",
            "url": "https://example.org/x", **more}  # fmt: skip


def estimates_file(tmp_path, items, reporters=None, error=0.1):
    data = {"case": "t", "default_relative_error": error, "estimates": items}
    if reporters:
        data["reporters"] = reporters
    return write(tmp_path / "est.yaml", data)


# -- the estimates file ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "reporters", "rule"),
    [
        ([estimate("a", "2025-01-10", 900, reporter="nobody")], None, "reporter 'nobody' is not under reporters"),
        ([estimate("a", "2025-01-10", 900, revises="zzz")], None, "revises 'zzz', which is not in the file"),
        (
            [estimate("a", "2025-01-10", 900, revises="b"), estimate("b", "2025-01-20", 1900)],
            None,
            "which must be an earlier figure",
        ),
        ([estimate("a", "2025-01-10", 900, reporter="g")], {"g": {"bias": 0}}, "greater than 0"),
        ([estimate("a", "2025-01-10", 900, reporter="g")], {"g": {"bias_spread": -1}}, "greater than or equal to 0"),
    ],
)
def test_bad_reporters_and_revisions_are_refused_in_one_line(tmp_path, items, reporters, rule):
    path = estimates_file(tmp_path, items, reporters)
    with pytest.raises(sim.InputError) as err:
        load_estimates(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)) and rule in msg, msg


def test_a_revised_figure_is_left_out_of_the_fit(tmp_path):
    s = sim.rules.from_data(STRAIGHT)
    est = load_estimates(
        estimates_file(
            tmp_path, [estimate("first", "2025-01-10", 900), estimate("second", "2025-01-12", 1000, revises="first")]
        )
    )
    used, left = select(est, s, s.end)
    assert [o.id for o in used] == ["second"]
    assert left == [{"id": "first", "kind": "killed", "date": "2025-01-10", "reason": "revised by second"}]


# -- the observation model with leans ----------------------------------------------------------


def test_a_reporter_lean_shifts_the_centre_and_is_shared_by_its_reports(tmp_path):
    s = sim.rules.from_data(STRAIGHT)
    est = load_estimates(
        estimates_file(
            tmp_path,
            [
                estimate("a", "2025-01-10", 900, reporter="g"),
                estimate("b", "2025-01-20", 1900, reporter="g"),
                estimate("c", "2025-01-30", 2900),
            ],
            {"g": {"bias": 1.5, "bias_spread": 0.2, "spread": 0.05}},
        )
    )
    obs = [observation_of(e, s, 0.1, est.reporters) for e in est.estimates]
    assert obs[0].reporter == "g" and obs[0].bias_log == pytest.approx(math.log(1.5)) and obs[2].reporter is None
    assert obs[0].error_sd == pytest.approx(math.hypot(math.log(1.1), 0.05))
    cov = observation_covariance(obs)
    # Own error on the diagonal (plus the group's lean for its reports); the lean between them.
    assert cov[0, 0] == pytest.approx(math.log(1.1) ** 2 + 0.05**2 + 0.04)
    assert cov[0, 1] == pytest.approx(0.04) and cov[0, 2] == 0 and cov[2, 2] == pytest.approx(math.log(1.1) ** 2)


def test_the_likelihood_integrates_the_lean_out_exactly(tmp_path):
    """With the model's figures known (one run), the reports of a group are jointly normal with
    the lean's variance shared: the likelihood equals that bivariate normal density."""
    s = sim.rules.from_data(STRAIGHT)
    items = [estimate("a", "2025-01-10", 1500, reporter="g"), estimate("b", "2025-01-20", 3000, reporter="g")]
    est = load_estimates(estimates_file(tmp_path, items, {"g": {"bias": 1.2, "bias_spread": 0.3}}))
    obs = [observation_of(e, s, 0.1, est.reporters) for e in est.estimates]
    truth = np.log1p([1000.0, 2000.0])
    got = synthetic_log_likelihood(truth[None, None, :], obs)[0]
    from scipy.stats import multivariate_normal

    resid = np.log1p([1500.0, 3000.0]) - math.log(1.2) - truth
    cov = np.full((2, 2), 0.09) + np.eye(2) * math.log(1.1) ** 2
    assert got == pytest.approx(multivariate_normal(np.zeros(2), cov).logpdf(resid), rel=1e-9)


def test_a_groups_lean_is_learnt_from_its_reports(tmp_path):
    """Reports half again above the truth, prior lean 1 with a log spread of 0.5: the posterior
    lean is the normal-normal update of the log residuals (exact), near 1.5 with several reports."""
    s = sim.rules.from_data(STRAIGHT)
    truth = np.array([1000.0, 2000.0, 3000.0, 4000.0, 5000.0])
    items = [
        estimate(f"r{i}", f"2025-01-{10 + i:02d}", float(1.5 * (1 + t) - 1), reporter="g") for i, t in enumerate(truth)
    ]
    est = load_estimates(estimates_file(tmp_path, items, {"g": {"bias": 1.0, "bias_spread": 0.5}}, error=0.05))
    obs = [observation_of(e, s, 0.05, est.reporters) for e in est.estimates]
    lean = reporter_leans(np.log1p(truth)[None, :], obs)["g"]
    # Normal-normal: precision 1/0.25 + 5/log(1.05)^2; mean log(1.5) * (5/e^2) / precision.
    e2 = math.log(1.05) ** 2
    mean = math.log(1.5) * (5 / e2) / (1 / 0.25 + 5 / e2)
    sd = (1 / 0.25 + 5 / e2) ** -0.5
    assert lean["q50"] == pytest.approx(math.exp(mean), rel=1e-6)
    assert lean["q95"] == pytest.approx(math.exp(mean + 1.6448536269514722 * sd), rel=1e-6)
    assert 1.45 < lean["q50"] < 1.5 and lean["reports"] == 5


# -- stories weighed by their evidence ---------------------------------------------------------


def test_evidence_of_a_deterministic_story_is_the_observation_density(tmp_path):
    """Every run of a noiseless story has the same figures, so its evidence is the observation
    model's density of the reports given them: a normal on the log scale, exactly."""
    est = estimates_file(tmp_path, [estimate("a", "2025-01-10", 1100), estimate("b", "2025-01-20", 1900)], error=0.1)
    table, combined, _ = compare([sim.rules.from_data(STRAIGHT), sim.rules.from_data({**STRAIGHT, "name": "other"})],
                                 est, until="2025-03-31", reps=50)  # fmt: skip
    # Day 9 (10 January) has 1,000 killed, day 19 has 2,000.
    sigma = math.log(1.1)
    expected = norm.logpdf(math.log(1101) - math.log(1001), 0, sigma) + norm.logpdf(
        math.log(1901) - math.log(2001), 0, sigma
    )
    assert table.loc[0, "log_evidence"] == pytest.approx(expected, rel=1e-9)
    assert table["weight"].tolist() == pytest.approx([0.5, 0.5])
    assert combined.loc[9, "q50"] == 9_000


def test_the_story_that_matches_the_reports_takes_the_weight(tmp_path):
    slow = sim.rules.from_data(
        {**STRAIGHT, "name": "slow", "postures": {"combat": {"per_day": 50, "noise": "poisson"}}}
    )
    fast = sim.rules.from_data(
        {**STRAIGHT, "name": "fast", "postures": {"combat": {"per_day": 100, "noise": "poisson"}}}
    )
    reports = [estimate(f"r{d}", f"2025-01-{d + 1:02d}", 100 * (d + 1)) for d in (5, 10, 20)]
    table, combined, _ = compare([slow, fast], estimates_file(tmp_path, reports), until="2025-01-31", reps=400)
    weights = dict(zip(table["scenario"], table["weight"], strict=True))
    assert weights["fast"] > 0.999  # half the rate is far outside a 10% error, three times over
    # The combined projection is then the fast story's: 100 a day, 10,000 gone by 10 April.
    assert combined.loc[40, "q50"] == pytest.approx(10_000 - 4_100, abs=150)
    assert "q50:slow" in combined and "q50:fast" in combined


def test_weighted_quantiles_by_hand():
    values = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert weighted_quantiles(values, np.array([0.1, 0.1, 0.1, 0.7]), (0.5,))[0, 0] == 4.0
    assert weighted_quantiles(values, np.full(4, 0.25), (0.25, 0.5, 0.75))[0].tolist() == [1.0, 2.0, 3.0]


def test_compare_command_writes_its_files_and_refuses_one_story(tmp_path):
    est = estimates_file(tmp_path, [estimate("a", "2025-01-10", 1000)])
    a = write(tmp_path / "a.yaml", {**STRAIGHT, "name": "a"})
    b = write(tmp_path / "b.yaml", {**STRAIGHT, "name": "b", "postures": {"combat": {"per_day": 60, "noise": "none"}}})
    out = tmp_path / "out"
    cmd = [sys.executable, str(ROOT / "simulate.py"), "compare", str(a), str(b), "--until", "2025-01-31",
           "--against", str(est), "--reps", "50", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    # Piped at 80 columns, the tables fit (two-line headers) and nothing is cut short.
    assert "evidence" in done.stdout and "carrying it" in done.stdout and "…" not in done.stdout
    assert all(len(line) <= 80 for line in done.stdout.splitlines() if not line.startswith("wrote "))
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "claims.csv", "combined.csv", "compare.csv", "compare.json", "compare.png"]  # fmt: skip
    summary = yaml.safe_load((out / "compare.json").read_text())
    assert [s["scenario"] for s in summary["stories"]] == ["a", "b"] and "evidence" in summary["criterion"]
    bad = subprocess.run([*cmd[:3], str(a), "--until", "2025-01-31", "--out", str(tmp_path / "none")],
                         capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "at least two" in bad.stderr
    assert not (tmp_path / "none").exists()
