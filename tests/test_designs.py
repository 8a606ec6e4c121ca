"""The registry of sweep designs: the five designs, each one's size against its points, and a
design defined here, registered for one test, running a sweep end to end through the store,
the analysis and the charts without any other module knowing of it."""

from __future__ import annotations

import json
from typing import get_args

import numpy as np
import pandas as pd
import pytest

import sim
from conftest import BASE, write
from sim.sweeps import designs
from sim.sweeps.designs import DESIGNS, Design, DesignError, design
from sim.sweeps.execution import load_sweep
from sim.sweeps.file import SweepFile
from sim.sweeps.frame import by_output, pick_output
from sim.sweeps.report import write_report

RATE = "postures.combat.daily_rate"


def test_the_registry_holds_the_five_designs_in_order():
    assert list(DESIGNS) == ["grid", "oat", "lhs", "morris", "sobol"]
    for name, d in DESIGNS.items():
        assert isinstance(d, Design) and d.name == name and design(name) is d
        assert d.description and "\n" not in d.description and d.n_counts and d.default_n >= 1
    assert [d.name for d in DESIGNS.values() if d.second_order] == ["sobol"]
    assert DESIGNS["oat"].extra_columns == ("varied",)


def test_the_sweep_file_takes_the_registered_names():
    literal = next(a for a in get_args(SweepFile.model_fields["design"].annotation) if a is not type(None))
    assert get_args(literal) == tuple(DESIGNS)


def test_an_unknown_design_is_one_line_listing_the_known_ones():
    with pytest.raises(DesignError, match=r"^unknown design 'fractal'; allowed: grid, oat, lhs, morris, sobol$"):
        design("fractal")


@pytest.mark.parametrize("name", list(DESIGNS))
@pytest.mark.parametrize(("k", "n"), [(2, 2), (3, 4), (5, 8)])
def test_size_is_the_number_of_points_drawn(name, k, n):
    d = design(name)
    for second in (False, True) if d.second_order else (False,):
        d.check(k, n, 4, second)
        unit = d.unit_sample(k, n, seed=3, levels=4, second_order=second)
        assert unit.shape == (d.size(k, n, second), k)
        assert unit.min() >= 0.0 and unit.max() <= 1.0


@pytest.mark.parametrize(
    ("name", "k", "n", "levels", "second", "field", "rule"),
    [
        ("grid", 2, 1, 4, False, "n", "a grid needs at least 2 levels per parameter (got n=1)"),
        ("oat", 2, 1, 4, False, "n", "one-at-a-time needs at least 2 levels (got n=1)"),
        ("lhs", 2, 1, 4, False, "n", "lhs needs n >= 2 (got 1)"),
        ("morris", 2, 4, 3, False, "levels", "morris needs an even number of levels >= 2 (got 3)"),
        ("sobol", 1, 8, 4, False, "design", "sobol needs at least 2 parameters"),
        ("sobol", 2, 12, 4, False, "n", "sobol needs n a power of 2 such as 64, 256 or 512 (got 12)"),
        ("lhs", 2, 10, 4, True, "second_order", "second_order goes with the sobol design only"),
        ("oat", 0, 2, 4, False, "design", "give at least one parameter to sweep"),
        ("grid", 3, 101, 4, False, "n", "the design would have 1,030,301 points; at most 1,000,000"),
    ],
)
def test_check_names_the_rule_and_the_setting(name, k, n, levels, second, field, rule):
    with pytest.raises(DesignError) as caught:
        design(name).check(k, n, levels, second)
    assert str(caught.value) == rule and caught.value.field == field


class Corners(Design):
    """Two points: every parameter at its low end, then every one at its high end."""

    name = "corners"
    description = "the two corners"
    n_counts = "nothing (always two points)"
    default_n = 1
    extra_columns = ("corner",)

    def size(self, k, n, second_order=False):
        return 2

    def unit_sample(self, k, n, seed, levels=4, second_order=False):
        return np.array([np.zeros(k), np.ones(k)])

    def extra(self, unit, paths):
        return {"corner": ["low" if row[0] == 0 else "high" for row in unit]}

    def analyse(self, frame):
        return {"ends": by_output(frame, ends)}

    def charts(self, frame):
        return [("ends.png", lambda: _draw_ends(frame))]


def ends(frame: pd.DataFrame, output: str | None = None) -> pd.DataFrame:
    output = pick_output(frame, output)
    at = frame.set_index("corner")[output]
    return pd.DataFrame({"at_low": [at["low"]], "at_high": [at["high"]], "change": [at["high"] - at["low"]]})


def _draw_ends(frame: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    t = ends(frame)
    ax.bar(["low", "high"], [t["at_low"].iloc[0], t["at_high"].iloc[0]])
    return fig


def test_a_design_registered_from_outside_runs_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setitem(DESIGNS, "corners", Corners())
    scenario = write(tmp_path / "tiny.yaml", {**BASE, "end": "2025-02-28"})
    out = tmp_path / "sweep"
    frame = sim.sweep(scenario, {RATE: "0.005:0.02"}, design="corners", reps=20, out=out)

    assert frame["corner"].tolist() == ["low", "high"]
    assert frame[RATE].tolist() == pytest.approx([0.005, 0.02])
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["design"] == "corners" and manifest["points"] == 2 and manifest["n"] == 1
    output = manifest["outputs"][0]  # the default: mean effective strength on the last day
    # Four times the loss rate over two months leaves fewer on duty, far beyond the noise.
    assert frame.loc[1, output] < frame.loc[0, output]

    again = load_sweep(out)  # the store's columns include the design's own
    assert again["corner"].tolist() == ["low", "high"]
    files = {p.name for p in write_report(again, out)}
    assert {"ends.csv", "ends.png", "points.csv", "summary.json"} <= files
    table = pd.read_csv(out / "ends.csv")
    assert list(table.columns) == ["output", "at_low", "at_high", "change"]
    assert table["change"].iloc[0] == pytest.approx(frame.loc[1, output] - frame.loc[0, output])
    assert (out / "ends.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "summary.json").read_text())["analysis"]["ends"][0]["output"] == output


def test_the_designs_module_lists_each_design():
    for name in DESIGNS:
        assert f"``{name}``" in designs.__doc__
