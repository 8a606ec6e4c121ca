"""A median crossing day after the end is censored, not a day: missing in the files, beside its
probability of crossing; hatched in the heatmap, marked in the tornado and scatter plots, never
averaged, and not fed to Sobol or Morris.  An output that never varies says so.  The sweep's
Parquet files hold dates as dates, units and provenance; a resume counts only what it ran."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim
from conftest import ROOT, SWEEP_SCENARIO, write
from sim.measures import NEVER
from sim.sweeps.designs import unit_design
from sim.sweeps.designs.grid import Grid, grid_table, plot_heatmap
from sim.sweeps.designs.lhs import rank_correlations
from sim.sweeps.designs.morris import morris_indices
from sim.sweeps.designs.oat import plot_tornado, tornado
from sim.sweeps.designs.sobol import plot_sobol, sobol_indices
from sim.sweeps.figures import AFTER_END, HATCH, plot_scatter
from sim.sweeps.scalars import parse_output
from sim.sweeps.store import METADATA_KEY, read_metadata

matplotlib.use("Agg")

RATE, RTD, KILLED = "postures.combat.daily_rate", "wounded.return_to_duty", "casualties.killed"
# The 120-day sweep scenario, with a claim that holds nowhere (half gone in four days).
SCENARIO = copy.deepcopy(SWEEP_SCENARIO)
SCENARIO["claims"] = [
    {
        "id": "by-day-five",
        "says": "half of them gone within four days",
        "source": {"who": "a test"},
        "holds_if": {"threshold": "half", "by": "2025-01-05"},
    }
]
DAY, P, DATE, CROSSED = "median_day:half", "p_cross:half", "median_date:half", "median_crossed:half"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("censored") / "small.yaml", SCENARIO)


@pytest.fixture(scope="module")
def grid3(scenario) -> pd.DataFrame:
    """A grid over three parameters, two levels each, so that the heatmap averages over the
    third.  At the low combat rate no run loses half its peak in 120 days; at the high rate with
    a high return to duty and few killed, fewer than half do (19 of 40 with this seed)."""
    params = {RATE: "0.001:0.012", RTD: "0:0.6", KILLED: "0.1:0.3"}
    return sim.sweep(scenario, params, design="grid", n=2, reps=40, outputs=[DAY], workers=1)


def test_a_censored_median_day_is_missing_beside_its_probability_of_crossing(scenario):
    # Point 0 of a sweep of one point a batch runs the random numbers of a plain run: compare.
    frame = sim.sweep(
        scenario,
        {RATE: "0.0105:0.013"},
        design="grid",
        n=2,
        reps=60,
        seed=5,
        batch_points=1,
        overrides=[f"{RTD}=0.6"],
        outputs=[DAY],
        workers=1,
    )
    assert frame.attrs["sweep"]["outputs"] == [DAY, P]  # the probability is an output of its own
    run = sim.run(sim.load_scenario(scenario, [f"{RTD}=0.6"]), reps=60, seed=5, values={RATE: np.full(60, 0.0105)})
    crossed = run.first_crossing["half"] != NEVER
    assert 0 < crossed.mean() < 0.5  # some runs cross, but not half of them
    first = frame.iloc[0]
    assert first[P] == crossed.mean()
    assert np.isnan(first[DAY]) and first[DATE] is pd.NaT and not first[CROSSED]  # not 120, not a date
    last = frame.iloc[1]  # the high rate: every run crosses, the median is a day and a date
    assert last[P] == 1.0 and last[CROSSED]
    assert last[DATE] == pd.Timestamp(2025, 1, 1) + pd.Timedelta(days=int(last[DAY]))


def test_the_heatmap_hatches_censored_cells_and_never_averages_them(grid3):
    table = grid_table(grid3, DAY)  # over rate and return to duty, averaged over the share killed
    ax = plot_heatmap(grid3, DAY)
    # The axes name each parameter with its unit.
    assert {ax.get_xlabel(), ax.get_ylabel()} == {f"{RATE} (probability per person a day)", f"{RTD} (share, 0 to 1)"}
    hatched = [p for p in ax.patches if p.get_hatch() == HATCH]
    cells = Grid().analyse(grid3)["grid"].query("output == @DAY")
    censored = cells[cells["after_end"] > 0]
    assert len(censored) == 3 and len(hatched) == 3  # the low rate (both returns), and high rate with return
    # A cell holding one censored point of two has no mean: not (120 + 97) / 2, nor 97.
    mixed = censored[censored["after_end"] < censored["points"]]
    assert len(mixed) == 1 and mixed["value"].isna().all()
    assert table.isna().sum().sum() == 3 and cells.loc[cells["after_end"] == 0, "value"].notna().all()
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("> end") for t in texts) == 3
    assert "> end at\n1/2\n74% cross" in texts  # 19 of 40 crossed at one point, all at the other: 74% on average
    assert not any(t.strip() in ("120", "121") for t in texts)  # the run's length is never shown as a day
    colours = ax.images[0].get_array()
    assert np.ma.getmaskarray(colours).sum() == 3  # and censored cells are not coloured
    ax.figure.clf()


def test_a_tornado_and_scatter_plots_mark_censored_ends(scenario):
    frame = sim.sweep(
        scenario, {RATE: "0.001:0.012", RTD: "0:0.6"}, design="oat", n=2, reps=40, outputs=[DAY], workers=1
    )
    t = tornado(frame, DAY).set_index("param")
    # The low combat rate never loses half: at_low is missing, the swing unknown but bounded.
    assert np.isnan(t.loc[RATE, "at_low"]) and np.isnan(t.loc[RATE, "swing"])
    assert t.loc[RATE, "note"].startswith("at_low after the end (fewer than half the runs cross by 2025-04-30)")
    assert "falls by at least" in t.loc[RATE, "note"]
    ax = plot_tornado(frame, DAY)
    assert any(p.get_hatch() == HATCH for p in ax.patches)
    ax.figure.clf()
    axes = plot_scatter(frame, DAY)
    cut = frame[DAY].isna().to_numpy()
    marked = [
        c for c in axes[0].collections if c.get_facecolor()[0][0] == matplotlib.colors.to_rgba(AFTER_END["color"])[0]
    ]
    assert len(marked) == 1 and len(marked[0].get_offsets()) == cut.sum() > 0
    assert (marked[0].get_offsets()[:, 1] == 120).all()  # drawn past the end (day 119), marked apart
    axes[0].figure.clf()


def synthetic(design: str, n: int, cut: float) -> pd.DataFrame:
    """A frame as sim.sweep returns it with a median day of 100 x0 + 10 x1 over a 100-day run,
    censored (missing) where x0 > ``cut``."""
    unit = unit_design(design, 2, n, seed=1)
    frame = pd.DataFrame(unit, columns=["x0", "x1"])
    frame.insert(0, "point", range(len(frame)))
    day = 100 * unit[:, 0] + 10 * unit[:, 1]
    frame[DAY] = np.where(unit[:, 0] > cut, np.nan, day)
    frame.attrs["sweep"] = {
        "design": design,
        "n": n,
        "levels": 4,
        "second_order": False,
        "seed": 1,
        "params": {"x0": "0:1", "x1": "0:1"},
        "outputs": [DAY],
        "scenario": {"start": "2025-01-01", "end": "2025-04-10"},
    }
    return frame


def test_sobol_and_morris_refuse_a_censored_day_and_say_why():
    for frame, analysis in (
        (synthetic("sobol", 64, 0.8), sobol_indices),
        (synthetic("morris", 10, 0.8), morris_indices),
    ):
        t = analysis(frame, DAY)
        assert t.drop(columns=["param", "note"]).isna().all().all()
        assert t["note"].str.contains("not computed: median day after the end at").all()
    ax = plot_sobol(synthetic("sobol", 64, 0.8), DAY)
    assert "not computed" in ax.texts[0].get_text() and not ax.patches
    ax.figure.clf()
    whole = sobol_indices(synthetic("sobol", 64, 2.0), DAY)  # nothing censored: computed
    assert whole["S1"].notna().all() and (whole["note"] == "").all()


def test_rank_correlations_rank_censored_points_after_every_day():
    frame = synthetic("lhs", 40, 0.7)
    t = rank_correlations(frame, DAY).set_index("param")
    assert t["note"].str.contains("ranked together after every crossing day").all()
    # Ranks of the censored points tied after every day: the day rises with x0 throughout.
    from scipy.stats import spearmanr

    y = np.where(frame[DAY].isna(), np.inf, frame[DAY])
    assert t.loc["x0", "rho"] == pytest.approx(spearmanr(frame["x0"], y).statistic)
    assert t.loc["x0", "rho"] > 0.95


def test_an_output_that_never_varies_says_so(scenario):
    frame = sim.sweep(scenario, {RATE: "0.001:0.012", RTD: "0:0.6"}, design="grid", n=2, reps=20, workers=1)
    claim = "p_holds:by-day-five"
    assert (frame[claim] == 0).all()
    ax = plot_heatmap(frame, claim)
    assert [t.get_text() for t in ax.texts] == ["no variation (always 0)"] and not ax.images
    ax.figure.clf()
    lhs = synthetic("lhs", 10, 2.0).assign(**{DAY: 5.0})
    assert (rank_correlations(lhs, DAY)["note"] == "no variation (always 5)").all()


def test_a_whole_percent_quantile_is_named_with_two_digits():
    assert parse_output("q5:effective@2025-01-10").column == "q05:effective@2025-01-10"
    assert parse_output({"measure": "effective", "date": "2025-01-10", "stat": "q5"}).column.startswith("q05:")
    assert parse_output("q2.5:effective@2025-01-10").column.startswith("q2.5:")


def test_files_hold_dates_units_provenance_and_a_resume_counts_its_own_points(scenario, tmp_path):
    out = tmp_path / "sw"
    params = [f"{RATE}=0.001:0.012", f"{RTD}=0:0.6"]
    settings = {"design": "grid", "n": 2, "reps": 20, "seed": 3, "batch_points": 1}
    sim.sweep(scenario, params, **settings, out=out, workers=1)

    part = out / "points" / "part-000000.parquet"
    schema = pq.read_schema(part)
    assert schema.field(DATE).type == pa.date32() and schema.field(CROSSED).type == pa.bool_()
    units = {f.name: (f.metadata or {}).get(b"unit") for f in schema}
    assert units[DAY] == b"day" and units[DATE] == b"date"
    assert units[P] == units["p_holds:by-day-five"] == b"probability"
    for path in (part, out / "design.parquet"):
        meta = read_metadata(path)
        assert METADATA_KEY in pq.read_schema(path).metadata
        assert {"scenario", "scenario_sha256", "seed", "reps", "version", "design"} <= set(meta)
        assert meta["seed"] == 3 and meta["reps"] == 20 and meta["design"] == "grid"
        assert len(meta["scenario_sha256"]) == 64
    rows = pd.read_parquet(out / "points").sort_values("point", ignore_index=True)
    assert rows[DAY].isna().tolist() == (~rows[CROSSED]).tolist() == [True, True, False, False]
    assert isinstance(rows[DATE].iloc[3], dt.date) and rows[DATE].iloc[0] is None

    # Lose the last batch, as if the sweep had stopped before it: the resume runs that one point.
    (out / "points" / "part-000003.parquet").unlink()
    args = ["sweep", str(scenario), *(a for p in params for a in ("--param", p)), "--design", "grid", "--n", "2"]
    args += ["--reps", "20", "--seed", "3", "--batch-points", "1", "--workers", "1", "--out", str(out), "--resume"]
    again = subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "; 1 left to run" in again.stderr
    assert "1 point run (3 already done before this resume, 4 in all) in" in again.stdout
    assert "grid: p_holds:by-day-five: no variation (always 0)" in again.stdout
    assert f"grid: {DAY}: median day after the end at 2 of 4 points" in again.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points").sort_values("point", ignore_index=True), rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["units"][DAY]["unit"] == "day" and summary["provenance"]["seed"] == 3
    assert summary["notes"]["p_holds:by-day-five"] == "no variation (always 0)"
