"""Loss laws: the registry covers the schema, each law's daily draws are right in the compiled
step and in the reference model, and every law has its branch of the compiled step."""

from __future__ import annotations

import ast
import itertools

import numpy as np
import pytest

import sim
from conftest import ROOT, make
from sim.engine import Engine
from sim.laws import LAWS, DailyRate, NoLoss, PerDay, law_for
from sim.plan import compile_plan
from sim.scenario import Posture
from sim.streams import blocks_for

#: The fields of a posture that choose its law (given or not).
LOSS_FIELDS = {"per_day": 40, "daily_rate": 0.01, "lanchester": {"law": "square", "coefficient": 0.01}}


def postures_of_every_law() -> list[Posture]:
    """A posture for every combination of loss fields the schema accepts."""
    out = []
    for given in itertools.product((False, True), repeat=len(LOSS_FIELDS)):
        data = {k: v for (k, v), g in zip(LOSS_FIELDS.items(), given, strict=True) if g}
        try:
            out.append(Posture.model_validate(data))
        except ValueError:
            continue  # a combination the schema refuses
    return out


def test_the_registry_covers_every_law_of_the_schema():
    postures = postures_of_every_law()
    assert {p.law for p in postures} == set(LAWS)
    for p in postures:
        assert isinstance(law_for("combat", p), LAWS[p.law])


def test_a_plan_holds_each_postures_law_with_its_parameter_paths():
    s = make(
        postures={
            "rear": {},
            "combat": {"daily_rate": 0.01},
            "assault": {"per_day": 50, "noise": "negative_binomial", "dispersion": 2},
        }
    )
    plan = compile_plan(s)
    assert plan.postures == ["rear", "combat", "assault"]
    assert plan.laws == [
        NoLoss(),
        DailyRate("postures.combat.daily_rate", None, "postures.combat.trend", "postures.combat.daily_cv"),
        PerDay(
            "postures.assault.per_day", "negative_binomial", "postures.assault.dispersion", "postures.assault.trend"
        ),
    ]
    for law in plan.laws:
        for path in (getattr(law, k) for k in ("rate", "per_day", "dispersion", "trend", "cv") if hasattr(law, k)):
            assert path in plan.params


def killed_each_day(postures: dict, units: list, reps: int, seed: int = 1, days: int = 4) -> np.ndarray:
    """Killed per day (reps x days) of a scenario where every casualty is killed."""
    s = make(
        end=f"2025-01-{days:02d}",
        units=units,
        phases=None,
        initial_posture=next(iter(postures)),
        postures=postures,
        disease={"daily_rate": 0.0},
    )
    r = sim.run(s, reps=reps, seed=seed, keep_trajectories=True)
    return np.diff(r.trajectories["killed"], axis=1, prepend=0)


def test_per_day_without_noise_carries_the_fraction_and_caps_at_those_on_duty():
    ten = killed_each_day(
        {"combat": {"per_day": 2.5, "noise": "none"}}, [{"name": "a", "arrive": "2025-01-01", "size": 10}], 3
    )
    # 2.5 a day: 2, 3, 2, 3 (the half carried over), in every replication.
    assert ten.tolist() == [[2, 3, 2, 3]] * 3
    one = killed_each_day(
        {"combat": {"per_day": 2.5, "noise": "none"}}, [{"name": "a", "arrive": "2025-01-01", "size": 1}], 2
    )
    assert one.tolist() == [[1, 0, 0, 0]] * 2
    assert PerDay("p", "none", None).draw_one([10], {"p": 2.5}, np.random.default_rng(0), [0.0]) == [2]


def test_per_day_takes_everyone_when_the_count_reaches_all_on_duty():
    units = [{"name": n, "arrive": "2025-01-01", "size": k} for n, k in (("a", 3), ("b", 5), ("c", 2))]
    phases = [{"from": "2025-01-01", "posture": "combat", "units": ["b"]}]  # b in a column of its own
    s = make(end="2025-01-02", units=units, phases=phases, postures={"combat": {"per_day": 10, "noise": "none"}})
    r = sim.run(s, reps=2, seed=1, keep_trajectories=True)
    assert r.trajectories["killed"][:, 0].tolist() == [10, 10]
    assert r.trajectories["effective"][:, 0].tolist() == [0, 0]
    assert PerDay("p", "none", None).draw_one([3, 5, 2], {"p": 10.0}, np.random.default_rng(0), [0.0]) == [3, 5, 2]


def test_daily_rate_and_no_loss_by_hand():
    units = [{"name": "a", "arrive": "2025-01-01", "size": 7}]
    assert killed_each_day({"combat": {"daily_rate": 1.0}}, units, 2).tolist() == [[7, 0, 0, 0]] * 2
    assert killed_each_day({"rear": {}}, units, 2).tolist() == [[0, 0, 0, 0]] * 2
    assert DailyRate("r").draw_one([7, 0], {"r": 1.0}, np.random.default_rng(0), None) == [7, 0]
    assert NoLoss().draw_one([3, 9], {}, np.random.default_rng(0), None) == [0, 0]
    assert not NoLoss().causes_losses and PerDay("p", "none", None).causes_losses and DailyRate("r").causes_losses


def test_seeded_poisson_and_negative_binomial_means_and_the_split_among_units():
    reps = 20_000
    units = [
        {"name": "a", "arrive": "2025-01-01", "size": 300_000},
        {"name": "b", "arrive": "2025-01-01", "size": 100_000},
    ]
    poisson = killed_each_day({"combat": {"per_day": 40, "noise": "poisson"}}, units, reps, days=2)[:, 0]
    # Mean 40, variance 40: 4 standard errors of 20,000 draws is 0.18.
    assert abs(poisson.mean() - 40) < 0.18
    assert abs(poisson.var() / 40 - 1) < 0.05
    nb = {"combat": {"per_day": 40, "noise": "negative_binomial", "dispersion": 2}}
    total = killed_each_day(nb, units, reps, seed=2, days=2)[:, 0]
    # Mean 40, variance 40 + 40**2 / 2 = 840: 4 standard errors is 0.82.
    assert abs(total.mean() - 40) < 0.82
    assert abs(total.var() / 840 - 1) < 0.1
    # Who is hit is a draw without replacement: three quarters of them in the first unit (the
    # two units in columns of their own: each is named by a phase).
    phases = [{"from": "2025-01-01", "posture": "combat", "units": [u]} for u in ("a", "b")]
    s = make(end="2025-01-02", units=units, phases=phases, postures=nb, disease={"daily_rate": 0.0})
    plan = compile_plan(s)
    assert plan.column == [0, 1]
    engine = Engine(plan, 3, blocks_for(reps)).run()
    lost = np.array([300_000, 100_000]) - engine.state[0]  # people on duty per column
    assert abs(lost[:, 0].sum() / lost.sum() - 0.75) < 0.01


def test_daily_rate_seeded_mean():
    units = [{"name": "a", "arrive": "2025-01-01", "size": 1000}]
    hit = killed_each_day({"combat": {"daily_rate": 0.01}}, units, 20_000, days=2)[:, 0]
    # Binomial(1000, 0.01): mean 10, variance 9.9; 4 standard errors of 20,000 draws is 0.09.
    assert abs(hit.mean() - 10) < 0.09


def test_every_law_has_a_branch_of_the_compiled_step():
    from sim import kernel

    codes = {kernel.LAW_NONE, kernel.LAW_RATE, kernel.LAW_PER_DAY, kernel.LAW_LANCHESTER}
    assert {law.code for law in LAWS.values()} == codes
    assert len(codes) == len(LAWS)  # one law per branch


def test_the_engine_reads_only_the_plan():
    tree = ast.parse((ROOT / "sim" / "engine.py").read_text(encoding="utf-8"))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "scenario" not in names and "scenario" not in modules


@pytest.mark.parametrize("name", sorted(LAWS))
def test_every_registered_law_is_named_as_registered(name):
    assert LAWS[name].name == name
