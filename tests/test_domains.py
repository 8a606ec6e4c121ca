"""Parameter domains: one declaration (the scenario schema), one rule, applied alike by a run,
a sweep, a calibration and a posterior file.

Bounded distributions must lie in the field's domain; normal and lognormal ones are truncated
to it (drawn exactly, never clipped) and refused when it holds under 1% of their mass;
per-replication values from outside (posterior files, sweep ranges) are refused off it.
"""

from __future__ import annotations

import copy
import re
from typing import Annotated

import numpy as np
import pandas as pd
import pytest
from hostile import refused, run_cli
from pydantic import BaseModel, BeforeValidator
from scipy import stats

import sim
from conftest import BASE, write
from sim.calibration.priors import Prior
from sim.domains import REGISTRY, Domain, DomainError, domain_of, registry_of
from sim.draws import draw_params
from sim.errors import InputError
from sim.fields import MAX_DAYS, MAX_SIZE
from sim.params import Param, ParamError
from sim.plan import compile_plan
from sim.rules import from_data
from sim.streams import Streams, blocks_for
from sim.sweeps.spec import make_sweep

RATE = "postures.combat.daily_rate"

#: A scenario with a parameter of every kind the plan lists.
RICH = {
    **copy.deepcopy(BASE),
    "end": "2025-02-28",
    "reps": 50,
    "units": [
        {"name": "wave.1", "arrive": "2025-01-01", "size": 5000},
        {"name": "b", "arrive": "2025-01-01", "size": {"uniform": [1000, 2000]}},
    ],
    "reinforcements": [{"name": "r", "arrive": "2025-02-01", "size": 500}],
    "postures": {
        "combat": {"daily_rate": {"uniform": [0.002, 0.01]}},
        "hold": {
            "per_day": {"triangular": [5, 10, 20]},
            "noise": "negative_binomial",
            "dispersion": {"uniform": [1, 3]},
        },
    },
    "phases": [{"from": "2025-01-01", "posture": "combat"}, {"from": "2025-01-20", "posture": "hold", "units": ["b"]}],
    "casualties": {"killed": {"uniform": [0.1, 0.3]}, "missing": 0.05},
    "wounded": {
        "return_to_duty": 0.3,
        "died_of_wounds": 0.05,
        "died_of_wounds_days": {"mean": 5},
        "evacuation_days": {"mean": 3},
    },
    "disease": {"daily_rate": {"uniform": [0.0, 0.001]}},
    "rotations": [{"unit": "wave.1", "leave": "2025-02-10", "lead_days": 2, "size": 4000}],
    "policy": [{"name": "p", "when": {"measure": "effective", "below": 3000}, "send": 1000}],
    "reserve": 5000,
}


def scenario(**changes) -> dict:
    data = copy.deepcopy(BASE)
    data.update(reps=200, end="2025-02-28", casualties={"killed": 0.3})
    data.update(changes)
    return data


def with_rate(rate) -> dict:
    return scenario(postures={"combat": {"daily_rate": rate}})


# -- one declaration -----------------------------------------------------------------------------


def test_every_parameter_of_a_scenario_has_the_domain_its_schema_type_declares():
    plan = compile_plan(from_data(copy.deepcopy(RICH)))
    expected = {
        "size": (0, MAX_SIZE),
        "send": (0, MAX_SIZE),
        "reserve": (0, MAX_SIZE),
        "per_day": (0, MAX_SIZE),
        "daily_rate": (0, 1),
        "killed": (0, 1),
        "missing": (0, 1),
        "return_to_duty": (0, 1),
        "died_of_wounds": (0, 1),
        "dispersion": (0.01, 1e6),
        "mean": (1, MAX_DAYS),
        "trend": (0.001, 1000),
        "daily_cv": (0, 10),
        "delay_days": (0, MAX_DAYS),
    }
    # 19, a trend and a daily variation for each of 2 postures, and the policy's delay.
    assert len(plan.params) == 24
    for path in plan.params:
        assert domain_of(path)[:2] == expected[path.rsplit(".", 1)[-1]], path
    # A unit name may hold dots: the path still finds its domain.
    assert domain_of("units.wave.1.size") == domain_of("units.b.size")
    with pytest.raises(KeyError):
        domain_of("postures.combat.noise")


def test_calibration_priors_take_their_domain_from_the_registry():
    plan = compile_plan(from_data(copy.deepcopy(RICH)))
    for path, p in plan.params.items():
        prior = Prior(path, p)
        assert prior.domain == domain_of(path)[:2], path
        lo, hi = prior.support
        assert domain_of(path).low <= lo <= hi <= domain_of(path).high
    # The schema's upper end of a size, where priors once said "0 and up".
    wide = Prior("units.a.size", Param("normal", (9_999_000.0, 5000.0)))
    assert wide.support == (0.0, MAX_SIZE)
    assert wide.logpdf(np.array([MAX_SIZE + 1.0]))[0] == -np.inf


def test_sweep_ranges_are_checked_against_every_registry_domain(tmp_path):
    """For each parameter of the rich scenario, a range reaching just past its domain's upper
    end is refused naming that domain, and one just inside is accepted."""
    path = write(tmp_path / "rich.yaml", RICH)
    for param in compile_plan(from_data(copy.deepcopy(RICH))).params:
        low, high, _ = domain_of(param)
        with pytest.raises(InputError, match=re.escape(f"must lie in [{low:g}, {high:g}]")):
            make_sweep(path, params={param: [high * 0.999, high * 1.001]})
    ok = make_sweep(path, params={"disease.daily_rate": [0.5, 1.0], "units.b.size": [0, MAX_SIZE]})
    assert ok.design_frame()["disease.daily_rate"].max() == 1.0


def test_the_registry_reads_a_declared_domain_and_refuses_an_undeclared_one():
    def parse(value):
        return Param.parse(value)

    class Declared(BaseModel):
        x: Annotated[Param, Domain(0.0, 5.0, True), BeforeValidator(parse)]
        xs: list[Annotated[Param, Domain(1.0, 2.0), BeforeValidator(parse)]] = []

    assert registry_of(Declared) == {"x": Domain(0.0, 5.0, True), "xs.*": Domain(1.0, 2.0)}

    class Undeclared(BaseModel):
        y: Annotated[Param, BeforeValidator(parse)]

    with pytest.raises(TypeError, match="no domain for y"):
        registry_of(Undeclared)
    assert REGISTRY["units.*.size"] == Domain(0.0, MAX_SIZE)


# -- the rule: bounded inside, unbounded truncated ----------------------------------------------


def test_a_truncated_normal_rate_draws_inside_the_domain_with_the_exact_truncated_mean():
    p = Param("normal", (0.01, 0.05))
    x = p.sample(np.random.default_rng(7), 20_000, 0.0, 1.0)
    exact = stats.truncnorm((0 - 0.01) / 0.05, (1 - 0.01) / 0.05, loc=0.01, scale=0.05)
    assert ((x >= 0) & (x <= 1)).all()
    assert not (x == 0).any()  # no mass piled on the boundary, as clipping would (42% here)
    # 20,000 draws: the mean's standard error is sd / sqrt(20,000); allow 4 of them.
    assert abs(x.mean() - exact.mean()) < 4 * exact.std() / np.sqrt(x.size)
    assert stats.kstest(x, exact.cdf).pvalue > 1e-3


def test_a_truncated_lognormal_matches_its_conditional_distribution():
    p = Param("lognormal", (0.5, 1.0))
    x = p.sample(np.random.default_rng(3), 20_000, 0.0, 1.0)
    dist = stats.lognorm(1.0, scale=0.5)
    mean = dist.expect(lambda v: v, lb=0.0, ub=1.0, conditional=True)
    sd = np.sqrt(dist.expect(lambda v: v * v, lb=0.0, ub=1.0, conditional=True) - mean**2)
    assert ((x > 0) & (x <= 1)).all()
    assert abs(x.mean() - mean) < 4 * sd / np.sqrt(x.size)  # 4 standard errors of 20,000 draws


def test_the_engine_truncates_normal_draws_and_keeps_bounded_draws_as_they_were():
    s = from_data(
        scenario(
            postures={"combat": {"daily_rate": {"normal": [0.01, 0.05]}}},
            casualties={"killed": {"uniform": [0.2, 0.4]}},
        )
    )
    plan = compile_plan(s)
    streams = Streams(3, blocks_for(5000))
    draws = draw_params(plan, streams)
    rate = draws[RATE]
    assert ((rate >= 0) & (rate <= 1)).all() and not (rate == 0).any()
    # A bounded distribution draws exactly what it drew before: rng.uniform on its own stream.
    before = streams.param("casualties.killed", lambda rng, n: rng.uniform(0.2, 0.4, n))
    assert np.array_equal(draws["casualties.killed"], before)


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        ({"normal": [1.5, 0.1]}, ["normal(1.5, 0.1) puts under 1% of its mass in [0, 1]"]),
        ({"uniform": [0.5, 1.2]}, ["must lie in [0, 1]", "uniform(0.5, 1.2)"]),
        ({"lognormal": [5, 0.2]}, ["under 1% of its mass in [0, 1]"]),
    ],
)
def test_run_refuses_a_distribution_the_domain_rules_out(tmp_path, rate, words):
    write(tmp_path / "bad.yaml", with_rate(rate))
    refused(["run", "bad.yaml"], tmp_path, "bad.yaml", RATE, *words)


@pytest.mark.parametrize(
    "posture",
    [
        {"daily_rate": {"normal": [0.01, 0.05]}},  # p < 0 crashed the binomial draw
        {"per_day": 50, "noise": "negative_binomial", "dispersion": {"normal": [1, 5]}},  # n <= 0 crashed
    ],
)
def test_run_with_a_normal_that_leaves_its_domain_is_truncated_and_completes(tmp_path, posture):
    write(tmp_path / "s.yaml", scenario(postures={"combat": posture}))
    proc = run_cli(["run", "s.yaml", "--reps", "300", "--out", "out", "-q", "--no-plot"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_the_library_refuses_per_replication_values_off_the_domain():
    s = from_data(scenario())
    with pytest.raises(DomainError, match=r"postures.combat.daily_rate: value 1.5 outside \[0, 1\] \(replication 3\)"):
        sim.run(s, 10, 1, values={RATE: np.array([0.01] * 3 + [1.5] * 7)})
    with pytest.raises(DomainError, match=r"casualties.killed \+ casualties.missing must not exceed 1"):
        sim.run(s, 10, 1, values={"casualties.killed": np.full(10, 0.7), "casualties.missing": np.full(10, 0.4)})


# -- posterior files ------------------------------------------------------------------------------


def _posterior(tmp_path, **columns) -> None:
    pd.DataFrame({"walker": range(20), **columns}).to_parquet(tmp_path / "post.parquet")


def test_run_refuses_a_posterior_rate_off_its_domain_naming_file_column_and_row(tmp_path):
    write(tmp_path / "s.yaml", scenario(postures={"combat": {"daily_rate": {"uniform": [0.005, 0.02]}}}))
    rates = np.full(20, 0.01)
    rates[17] = 1.5
    _posterior(tmp_path, **{RATE: rates})
    refused(
        ["run", "s.yaml", "--posterior", "post.parquet", "--reps", "50"],
        tmp_path,
        "post.parquet: postures.combat.daily_rate: value 1.5 outside [0, 1] (row 17)",
    )


def test_run_refuses_posterior_shares_of_one_whole_summing_past_one(tmp_path):
    write(tmp_path / "s.yaml", scenario(casualties={"killed": {"uniform": [0.2, 0.6]}, "missing": 0.3}))
    killed = np.full(20, 0.3)
    killed[4] = 0.9  # with the scenario's missing share of 0.3
    _posterior(tmp_path, **{"casualties.killed": killed})
    refused(
        ["run", "s.yaml", "--posterior", "post.parquet", "--reps", "50"],
        tmp_path,
        "post.parquet: casualties.killed + casualties.missing must not exceed 1",
        "0.9 + 0.3",
        "row 4",
    )


# -- sweeps ---------------------------------------------------------------------------------------


def test_sweeping_a_normal_rate_truncates_it_and_completes(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    proc = run_cli(
        [
            "sweep",
            "s.yaml",
            "--param",
            f"{RATE}={{normal: [0.01, 0.5]}}",
            "--design",
            "oat",
            "--n",
            "4",
            "--reps",
            "5",
            "--workers",
            "1",
            "--out",
            "sw",
            "-q",
            "--no-plot",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rates = pd.read_parquet(tmp_path / "sw" / "design.parquet")[RATE]
    assert ((rates > 0) & (rates < 1)).all()
    # The baseline and four levels: quantiles of the normal truncated to [0, 1], over its central 99%.
    exact = stats.truncnorm(-0.01 / 0.5, 0.99 / 0.5, loc=0.01, scale=0.5)
    unit = np.sort(np.r_[np.linspace(0, 1, 4), 0.5])
    assert sorted(rates) == pytest.approx(exact.ppf(0.005 + 0.99 * unit))


def test_a_sweep_whose_shares_can_sum_past_one_is_refused_naming_both(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    refused(
        ["sweep", "s.yaml", "--param", "casualties.killed=0.5:0.9", "--param", "casualties.missing=0.2:0.4"],
        tmp_path,
        "--param: casualties.killed, casualties.missing",
        "killed + missing must not exceed 1",
        "every combination of swept values",
    )


def test_shares_that_fit_together_are_swept(tmp_path):
    path = write(tmp_path / "s.yaml", scenario())
    sw = make_sweep(path, params={"casualties.killed": "0.5:0.7", "casualties.missing": "0.1:0.3"}, design="grid", n=3)
    frame = sw.design_frame()
    assert (frame["casualties.killed"] + frame["casualties.missing"]).max() == pytest.approx(1.0)


def test_a_negative_swept_size_is_refused_by_the_domain(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    refused(
        ["sweep", "s.yaml", "--param", "units.a.size=-100:500"],
        tmp_path,
        "--param: units.a.size: must lie in [0, 1e+07] (got uniform(-100, 500))",
    )


def test_a_parameter_swept_twice_is_refused(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    refused(
        ["sweep", "s.yaml", "--param", "casualties.killed=0.1:0.2", "--param", "casualties.killed=0.1:0.3"],
        tmp_path,
        "--param: casualties.killed: is given twice",
    )


def test_a_swept_path_the_scenario_does_not_have_is_refused(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    refused(
        ["sweep", "s.yaml", "--param", "postures.combt.daily_rate=0.001:0.01"],
        tmp_path,
        "postures.combt.daily_rate: not a numeric parameter",
        RATE,
    )


def test_a_swept_normal_the_domain_rules_out_is_refused(tmp_path):
    write(tmp_path / "s.yaml", scenario())
    refused(
        ["sweep", "s.yaml", "--param", f"{RATE}={{normal: [1.5, 0.1]}}"], tmp_path, "under 1% of its mass in [0, 1]"
    )


# -- calibration -----------------------------------------------------------------------------------


def test_a_normal_prior_draws_as_the_run_does():
    p = Param("normal", (0.02, 0.05))
    prior = Prior(RATE, p)
    a = prior.sample(np.random.default_rng(5), 1000)
    b = p.sample(np.random.default_rng(5), 1000, 0.0, 1.0)
    assert np.array_equal(a, b) and (a >= 0).all()
    assert np.isfinite(prior.logpdf(a)).all()


def test_param_check_domain_states_the_rule():
    Param("normal", (0.9, 0.05)).check_domain(0.0, 1.0)  # 98% inside: truncated, not refused
    with pytest.raises(ParamError, match=r"normal\(0.9, 0.01\) puts under 1% of its mass in \[0, 0.5\]"):
        Param("normal", (0.9, 0.01)).check_domain(0.0, 0.5)
    with pytest.raises(ParamError, match=r"must lie in \[0, 1\]"):
        Param("triangular", (0.0, 0.5, 1.1)).check_domain(0.0, 1.0)
    Param("normal", (2.0, 0.0)).check_domain(0.0, 5.0)  # no spread: a fixed value
    with pytest.raises(ParamError, match=r"must lie in \[0, 1\]"):
        Param("normal", (2.0, 0.0)).check_domain(0.0, 1.0)
