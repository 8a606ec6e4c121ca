"""Loss laws: the registry covers the schema, each law's daily draw is right, and a new law plugs
in without touching the plan, the engine or the reference model."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import sim
from conftest import ROOT, make
from sim.laws import LAWS, DailyRate, Law, NoLoss, PerDay, law_for
from sim.plan import compile_plan
from sim.reference import run_reference
from sim.scenario import Posture
from sim.streams import Streams, blocks_for

#: The fields of a posture that choose its law (given or not).
LOSS_FIELDS = {"per_day": 40, "daily_rate": 0.01}


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
        DailyRate("postures.combat.daily_rate"),
        PerDay("postures.assault.per_day", "negative_binomial", "postures.assault.dispersion"),
    ]
    for law in plan.laws:
        for path in (getattr(law, k) for k in ("rate", "per_day", "dispersion") if hasattr(law, k)):
            assert path in plan.params


def streams(reps: int, seed: int = 1) -> Streams:
    return Streams(seed, blocks_for(reps))


def test_per_day_without_noise_carries_the_fraction_and_caps_at_those_on_duty():
    law = PerDay("p", "none", None)
    reps = 3
    values = {"p": np.full(reps, 2.5)}
    state = law.start(reps)
    duty = np.array([[10], [10], [1]])
    days = [law.draw(duty, values, streams(reps), state)[:, 0].tolist() for _ in range(4)]
    # 2.5 a day: 2, 3, 2, 3 (the half carried over), at most the one person on duty in row 3.
    assert days == [[2, 2, 1], [3, 3, 1], [2, 2, 1], [3, 3, 1]]
    one = law.start(1)
    assert [law.draw_one([10], {"p": 2.5}, np.random.default_rng(0), one) for _ in range(4)] == [[2], [3], [2], [3]]


def test_per_day_takes_everyone_when_the_count_reaches_all_on_duty():
    law = PerDay("p", "none", None)
    duty = np.array([[3, 5, 2], [0, 4, 0]])
    hit = law.draw(duty, {"p": np.array([10.0, 10.0])}, streams(2), law.start(2))
    np.testing.assert_array_equal(hit, duty)
    assert law.draw_one([3, 5, 2], {"p": 10.0}, np.random.default_rng(0), law.start(1)) == [3, 5, 2]


def test_daily_rate_and_no_loss_by_hand():
    duty = np.array([[7, 0], [3, 9]])
    rate = DailyRate("r")
    np.testing.assert_array_equal(rate.draw(duty, {"r": np.array([1.0, 0.0])}, streams(2), None), [[7, 0], [0, 0]])
    assert rate.draw_one([7, 0], {"r": 1.0}, np.random.default_rng(0), None) == [7, 0]
    np.testing.assert_array_equal(NoLoss().draw(duty, {}, streams(2), None), np.zeros_like(duty))
    assert not NoLoss.causes_losses and PerDay.causes_losses and DailyRate.causes_losses


def test_seeded_poisson_and_negative_binomial_means_and_the_split_among_units():
    reps = 20_000
    duty = np.tile([[300_000, 100_000]], (reps, 1))
    mean = np.full(reps, 40.0)
    poisson = PerDay("p", "poisson", None).draw(duty, {"p": mean}, streams(reps), None).sum(axis=1)
    # Mean 40, variance 40: 4 standard errors of 20,000 draws is 0.18.
    assert abs(poisson.mean() - 40) < 0.18
    assert abs(poisson.var() / 40 - 1) < 0.05
    law = PerDay("p", "negative_binomial", "k")
    hit = law.draw(duty, {"p": mean, "k": np.full(reps, 2.0)}, streams(reps, 2), None)
    total = hit.sum(axis=1)
    # Mean 40, variance 40 + 40**2 / 2 = 840: 4 standard errors is 0.82.
    assert abs(total.mean() - 40) < 0.82
    assert abs(total.var() / 840 - 1) < 0.1
    # Who is hit is a draw without replacement: three quarters of them in the first unit.
    assert abs(hit[:, 0].sum() / total.sum() - 0.75) < 0.01


def test_daily_rate_seeded_mean():
    reps = 20_000
    hit = DailyRate("r").draw(np.full((reps, 1), 1000), {"r": np.full(reps, 0.01)}, streams(reps), None)
    # Binomial(1000, 0.01): mean 10, variance 9.9; 4 standard errors of 20,000 draws is 0.09.
    assert abs(hit.mean() - 10) < 0.09


@dataclass(frozen=True)
class Toll(Law):
    """A made-up law: exactly ``per_unit`` casualties a day in every unit of the posture."""

    name: ClassVar[str] = "toll"
    per_unit: int

    @classmethod
    def from_posture(cls, name, posture):
        return cls(posture.toll)

    def draw(self, duty, values, streams, state):
        return np.minimum(duty, self.per_unit)

    def draw_one(self, duty, values, rng, state):
        return [min(n, self.per_unit) for n in duty]


class TollPosture(Posture):
    toll: int = 0

    @property
    def law(self) -> str:
        return "toll" if self.toll else super().law


def test_a_new_law_runs_in_the_engine_and_the_reference_without_other_changes(monkeypatch):
    monkeypatch.setitem(LAWS, "toll", Toll)
    s = make(end="2025-01-31")
    s = s.model_copy(update={"postures": {"combat": TollPosture(toll=7)}})
    assert compile_plan(s).laws == [Toll(7)]
    result = sim.run(s, reps=50, seed=1, keep_trajectories=True)
    # Killed share 1, one unit of 10,000: 7 killed a day for 31 days, in every replication.
    assert (result.trajectories["killed"][:, -1] == 7 * 31).all()
    assert (run_reference(s, 5, 1)["killed"][:, -1] == 7 * 31).all()


def test_the_engine_reads_only_the_plan():
    tree = ast.parse((ROOT / "sim" / "engine.py").read_text(encoding="utf-8"))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "scenario" not in names and "scenario" not in modules
    # No parameter path is built while the days run: laws and the plan hold them resolved.
    daily = ("step", "_combat_losses", "_policy", "_return_to_duty", "measures")
    for f in ast.walk(tree):
        if isinstance(f, ast.FunctionDef) and f.name in daily:
            assert not [n for n in ast.walk(f) if isinstance(n, ast.JoinedStr)], f.name


@pytest.mark.parametrize("name", sorted(LAWS))
def test_every_registered_law_is_named_as_registered(name):
    assert LAWS[name].name == name
