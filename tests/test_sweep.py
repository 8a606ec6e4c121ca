"""Sensitivity sweeps: designs, outputs checked by hand, reproducibility across workers and
backends, resuming after kill -9, bad input, and the analyses against known answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from conftest import ROOT, read_points
from sim.params import Param
from sim.sweeps import designs
from sim.sweeps.designs import design_size, unit_design
from sim.sweeps.designs.morris import morris_indices
from sim.sweeps.designs.oat import tornado
from sim.sweeps.designs.scale import TAIL, scale
from sim.sweeps.designs.sobol import sobol_indices
from sim.sweeps.spec import make_sweep

# A constant 10 (or 20) casualties a day, all killed, from 1,000 people arriving on day 0:
# at the end of day d, 1000 - r(d+1) are on duty; the peak is 1000 - r (day 0's close), so
# "effective below half the peak" is first true when r(d+1) > 500 + r/2: day 50 for r = 10,
# day 25 for r = 20.  No random draws are involved.
STRAIGHT_LINE = {
    "name": "straight-line",
    "start": "2025-01-01",
    "end": "2025-03-31",
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 1000}],
    "postures": {"combat": {"per_day": 15, "noise": "none"}},
    "casualties": {"killed": 1.0},
    "thresholds": {"half": {"measure": "effective", "below": 0.5, "of": "peak_effective"}},
}

# A small stochastic scenario: 120 days, so that an engine run is cheap.
SMALL = {
    "name": "small",
    "start": "2025-01-01",
    "end": "2025-04-30",
    "reps": 100,
    "seed": 11,
    "units": [{"name": "a", "arrive": "2025-01-01", "size": 1000}],
    "postures": {"combat": {"daily_rate": 0.01}},
    "casualties": {"killed": 0.2},
    "wounded": {"return_to_duty": {"uniform": [0.1, 0.4]}, "recovery_days": {"mean": 10, "min": 3}},
    "thresholds": {"half": {"measure": "effective", "below": 0.5, "of": "peak_effective"}},
    "claims": [
        {
            "id": "half-by-march",
            "says": "half of them gone by March",
            "source": {"who": "a test"},
            "holds_if": {"threshold": "half", "by": "2025-03-01"},
        }
    ],
}
SMALL_PARAMS = ["postures.combat.daily_rate=0.005:0.02", "wounded.return_to_duty=0.0:0.6", "casualties.killed=0.1:0.3"]
PARAM_ARGS = [arg for p in SMALL_PARAMS for arg in ("--param", p)]


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def cli(*args, cwd, **kw):
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=300, **kw
    )


def parts(out: Path) -> list[Path]:
    return sorted((out / "points").glob("part-*.parquet"))


@pytest.fixture
def small(tmp_path) -> Path:
    return write(tmp_path / "small.yaml", SMALL)


# -- designs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("design", "n", "second", "expected"),
    [
        ("grid", 3, False, 27),
        ("oat", 2, False, 7),
        ("oat", 3, False, 7),
        ("oat", 4, False, 13),
        ("lhs", 20, False, 20),
        ("morris", 5, False, 20),
        ("sobol", 8, False, 40),
        ("sobol", 8, True, 64),
    ],
)
def test_designs_have_the_documented_number_of_points_in_the_unit_cube(design, n, second, expected):
    unit = unit_design(design, 3, n, seed=5, second_order=second)
    assert unit.shape == (expected, 3) == (design_size(design, 3, n, second), 3)
    assert unit.min() >= 0.0 and unit.max() <= 1.0
    again = unit_design(design, 3, n, seed=5, second_order=second)
    assert np.array_equal(unit, again)  # seeded: the same design every time
    if design == "oat":
        names = ["a", "b", "c"]
        varied = designs.design("oat").extra(unit, names)["varied"]
        assert varied[0] == "baseline" and (unit[0] == 0.5).all()
        for name, row in zip(varied[1:], unit[1:], strict=True):
            assert (np.delete(row, names.index(name)) == 0.5).all()  # one at a time, the others at their middle


def test_grid_and_oat_reach_both_ends_of_a_range():
    unit = unit_design("grid", 2, 3, seed=0)
    values = scale(unit, [Param("uniform", (0.0, 0.6)), Param("uniform", (10.0, 20.0))])
    assert sorted(set(values[:, 0])) == pytest.approx([0.0, 0.3, 0.6])
    assert sorted(set(values[:, 1])) == pytest.approx([10.0, 15.0, 20.0])


def test_unbounded_distributions_are_swept_over_their_central_99_percent():
    from scipy import stats

    u = np.array([0.0, 0.5, 1.0])
    normal = scale(u[:, None], [Param("normal", (10.0, 2.0))])[:, 0]
    assert normal == pytest.approx([10 + 2 * stats.norm.ppf(TAIL), 10.0, 10 + 2 * stats.norm.ppf(1 - TAIL)])
    tri = scale(np.linspace(0, 1, 11)[:, None], [Param("triangular", (1.0, 2.0, 5.0))])[:, 0]
    assert tri[0] == 1.0 and tri[-1] == 5.0 and (np.diff(tri) > 0).all()
    logn = scale(u[:, None], [Param("lognormal", (100.0, 0.5))])[:, 0]
    assert logn[1] == pytest.approx(100.0) and logn[0] > 0


# -- outputs per point --------------------------------------------------------------------------


def test_outputs_of_a_straight_line_case_match_the_hand_count(tmp_path):
    path = write(tmp_path / "line.yaml", STRAIGHT_LINE)
    frame = sim.sweep(
        path,
        {"postures.combat.per_day": "10:20"},
        design="grid",
        n=2,
        reps=3,
        outputs=["median_day:half", "p_cross:half@2025-02-01", "mean:effective@2025-01-10", "q50:effective@2025-01-10"],
    )
    assert frame["postures.combat.per_day"].tolist() == [10.0, 20.0]
    assert frame["median_day:half"].tolist() == [50.0, 25.0]
    assert frame["median_date:half"].tolist() == [pd.Timestamp("2025-02-20"), pd.Timestamp("2025-01-26")]
    assert frame["median_crossed:half"].tolist() == [True, True]
    assert frame["p_cross:half"].tolist() == [1.0, 1.0]  # added beside the median day
    assert frame["p_cross:half@2025-02-01"].tolist() == [0.0, 1.0]  # day 31: before 50, after 25
    assert frame["mean:effective@2025-01-10"].tolist() == [900.0, 800.0]  # 1000 - r x 10 days
    assert frame["q50:effective@2025-01-10"].tolist() == [900.0, 800.0]
    assert frame["reps"].tolist() == [3, 3] and frame.attrs["sweep"]["reps"] == 3


def test_a_median_not_reached_by_the_end_is_missing_not_the_run_length(tmp_path):
    path = write(tmp_path / "line.yaml", STRAIGHT_LINE)
    frame = sim.sweep(path, {"postures.combat.per_day": "1:2"}, design="grid", n=2, reps=2, outputs=["median_day:half"])
    assert frame["median_day:half"].isna().all()  # never crossed: no day, not the 90 days of the run
    assert frame["median_date:half"].isna().all()
    assert frame["median_crossed:half"].tolist() == [False, False]
    assert frame["p_cross:half"].tolist() == [0.0, 0.0]


def test_a_point_reproduces_the_run_with_its_parameter_values(small):
    """The first point of the first batch uses the same random streams as a plain run."""
    frame = sim.sweep(small, SMALL_PARAMS, design="lhs", n=4, reps=150, batch_points=1, seed=3)
    row = frame.iloc[0]
    values = {
        p: np.full(150, row[p]) for p in ("postures.combat.daily_rate", "wounded.return_to_duty", "casualties.killed")
    }
    result = sim.run(sim.load_scenario(small), reps=150, seed=3, values=values)
    assert row["median_date:half"] == result.thresholds.set_index("threshold").loc["half", "q50"]
    assert row["p_holds:half-by-march"] == result.claims.set_index("id").loc["half-by-march", "probability"]


def test_a_higher_combat_rate_gives_an_earlier_median_crossing_and_a_likelier_claim(small):
    frame = sim.sweep(small, ["postures.combat.daily_rate=0.005:0.03"], design="oat", n=4, reps=200)
    frame = frame.sort_values("postures.combat.daily_rate")
    # Rates 0.005, 0.0133, 0.0217, 0.03: a person's expected time in the line shrinks from 200
    # to 33 days, far more than 200 replications' noise in the median (a few days).  At 0.005
    # most runs do not lose half of the peak in the 120 days: the median day is after the end.
    days = frame["median_day:half"]
    assert np.isnan(days.iloc[0]) and frame["p_cross:half"].iloc[0] < 0.5
    assert days.iloc[1:].is_monotonic_decreasing
    assert days.iloc[1] > days.iloc[-1] + 30
    assert frame["p_cross:half"].is_monotonic_increasing
    assert frame["p_holds:half-by-march"].iloc[-1] == 1.0 and frame["p_holds:half-by-march"].iloc[0] == 0.0


# -- the folder, workers, resume ----------------------------------------------------------------


def test_the_folder_holds_one_row_per_point_with_parameters_seed_and_outputs(small, tmp_path):
    out = tmp_path / "sw"
    p = cli(
        "sweep",
        str(small),
        *PARAM_ARGS,
        "--design",
        "oat",
        "--reps",
        "60",
        "--seed",
        "9",
        "--batch-points",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    assert "7 points x 60 replications each (outputs are averages over them)" in p.stderr
    assert "tornado: median_day:half" in p.stdout
    names = {f.name for f in out.iterdir()} - {".sim-output.json"}  # the folder's marker
    assert names == {
        "sweep.json",
        "scenario.yaml",
        "design.parquet",
        "points",
        "points.csv",
        "tornado.csv",
        "tornado.png",
        "summary.json",
    }
    assert len(parts(out)) == 4  # 7 points, 2 a batch
    frame = read_points(out / "points")
    assert frame["point"].sort_values().tolist() == list(range(7))
    assert (frame["seed"] == 9).all() and (frame["reps"] == 60).all()
    assert {"postures.combat.daily_rate", "median_day:half", "p_holds:half-by-march", "varied"} <= set(frame)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["points"] == 7 and manifest["batch_points"] == 2 and manifest["seed"] == 9
    t = pd.read_csv(out / "tornado.csv")
    assert t.iloc[0]["param"] == "postures.combat.daily_rate"  # the biggest swing of median_day:half


def test_one_or_two_workers_give_the_same_rows(small, tmp_path):
    args = [*PARAM_ARGS, "--design", "lhs", "--n", "12", "--reps", "50", "--batch-points", "2", "--no-plot", "-q"]
    one = cli("sweep", str(small), *args, "--workers", "1", "--out", str(tmp_path / "one"), cwd=tmp_path)
    two = cli("sweep", str(small), *args, "--workers", "2", "--out", str(tmp_path / "two"), cwd=tmp_path)
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    a = read_points(tmp_path / "one" / "points")
    b = read_points(tmp_path / "two" / "points")
    pd.testing.assert_frame_equal(a, b)  # exactly, not approximately
    assert a["median_day:half"].nunique() > 3  # and the points do differ


def test_a_sweep_killed_with_kill_9_resumes_losing_and_duplicating_nothing(small, tmp_path):
    out = tmp_path / "sw"
    args = [
        "sweep",
        str(small),
        *PARAM_ARGS,
        "--design",
        "lhs",
        "--n",
        "40",
        "--reps",
        "40",
        "--seed",
        "5",
        "--batch-points",
        "1",
        "--no-plot",
        "-q",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "simulate.py"), *args],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(parts(out)) < 4 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes, at once
    finally:
        proc.wait(timeout=30)
    done_before = len(parts(out))
    assert 4 <= done_before < 40, "the sweep must be killed part way"
    (out / "points" / ".part-000039.parquet.leftover").write_bytes(b"half a file")  # as if killed mid-write
    again = cli(*args, "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not list((out / "points").glob(".part-*"))
    assert len(parts(out)) == 40
    resumed = read_points(out / "points")
    whole = sim.sweep(small, SMALL_PARAMS, design="lhs", n=40, reps=40, seed=5, batch_points=1)
    pd.testing.assert_frame_equal(resumed, whole.reset_index(drop=True), check_like=False)
    # Resuming a finished sweep runs nothing and changes nothing.
    before = {p.name: p.stat().st_mtime_ns for p in parts(out)}
    assert cli(*args, "--resume", cwd=tmp_path).returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in parts(out)} == before


def test_resuming_with_other_settings_is_refused(small, tmp_path):
    out = tmp_path / "sw"
    base = [
        "sweep",
        str(small),
        "--param",
        SMALL_PARAMS[0],
        "--n",
        "2",
        "--reps",
        "20",
        "-q",
        "--no-plot",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert cli(*base, cwd=tmp_path).returncode == 0
    before = sorted(p.name for p in out.rglob("*"))
    p = cli(*[a if a != "20" else "30" for a in base], "--resume", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == (
        f"error: --resume: reps: differs from the sweep in {out / 'sweep.json'} (was 20, now 30)"
    )
    assert sorted(p.name for p in out.rglob("*")) == before


# -- bad input: one line, exit 2, nothing written ------------------------------------------------


BAD_OPTIONS = [
    (["--param", "postures.combat.bogus=0:1"], "--param: postures.combat.bogus: not a numeric parameter"),
    (["--param", "wounded.return_to_duty=0.5:0.2"], "--param: wounded.return_to_duty: a range needs low < high"),
    (["--param", "wounded.return_to_duty=0:1.5"], "--param: wounded.return_to_duty: must lie in [0, 1]"),
    (
        ["--param", "wounded.return_to_duty=0.3"],
        "--param: wounded.return_to_duty: a swept parameter needs a range low:high or a distribution",
    ),
    (
        [
            "--param",
            "postures.combat.daily_rate=0.01:0.02",
            "--param",
            "casualties.killed=0:0.5",
            "--design",
            "sobol",
            "--n",
            "10",
        ],
        "--n: n: sobol needs n a power of 2",
    ),
    (["--param", "postures.combat.daily_rate=0.01:0.02", "--design", "fractal"], "--design: design: unknown design"),
    (
        ["--param", "postures.combat.daily_rate=0.01:0.02", "--output", "median_day:nope"],
        "--output: median_day:nope: no threshold named 'nope'",
    ),
    (
        ["--param", "postures.combat.daily_rate=0.01:0.02", "--output", "mean:effective@2031-01-01"],
        "must lie between start and end",
    ),
    (
        ["--param", "postures.combat.daily_rate=0.01:0.02", "--workers", "0"],
        "--workers: workers: must be between 1 and 256",
    ),
    (
        ["--param", "postures.combat.daily_rate=0.01:0.02", "--scheduler", "localhost"],
        "--scheduler localhost: give the scheduler's address as tcp://HOST:PORT",
    ),
    (["--param", "postures.combat.daily_rate=0.01:0.02", "--reps", "0"], "--reps: reps: must be between 1"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_OPTIONS, ids=[m.split(":")[0] + str(i) for i, (_, m) in enumerate(BAD_OPTIONS)]
)
def test_bad_options_fail_in_one_line_and_write_nothing(small, tmp_path, args, message):
    out = tmp_path / "sw"
    p = cli("sweep", str(small), *args, "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: "), p.stderr
    assert message in p.stderr
    assert not out.exists() and sorted(x.name for x in tmp_path.iterdir()) == ["small.yaml"]


BAD_FILES = [
    (
        {"params": {"wounded.return_to_duty": "0:0.5"}, "desing": "sobol"},
        # The unknown key's own line (3: after params and its one entry), and the nearest name.
        "sweep.yaml:3: unknown key 'desing'; allowed: batch_points, design, levels, n, outputs, params, reps",
    ),
    (
        {"params": {"wounded.return_to_duty": "0.5:0.1"}},
        "sweep.yaml:2: params.wounded.return_to_duty: a range needs low < high",
    ),
    (
        {"params": {"wounded.return_to_duty": {"uniform": [0, 2]}}},
        "sweep.yaml:2: params.wounded.return_to_duty: must lie in [0, 1]",
    ),
    (
        {"params": {"wounded.return_to_duty": "0:0.5"}, "outputs": ["p_holds:nobody"]},
        "sweep.yaml:4: outputs.0: no claim 'nobody'",
    ),
    (
        {"params": {"wounded.return_to_duty": "0:0.5"}, "outputs": [{"measure": "effective", "when": 1}]},
        "sweep.yaml:5: outputs.0: unknown key 'when'",
    ),
    ({"params": {"wounded.return_to_duty": "0:0.5"}, "reps": -5}, "sweep.yaml:3: reps: Input should be"),
    ({"params": {}}, "sweep.yaml: params: give at least one parameter to sweep"),
    ({"params": {"wounded.return_to_duty": "0:0.5"}, "design": "grid", "n": 1}, "sweep.yaml:4: n: a grid needs"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES, ids=[str(i) for i in range(len(BAD_FILES))])
def test_bad_sweep_files_fail_in_one_line_naming_file_field_and_rule(small, tmp_path, data, message):
    spec = write(tmp_path / "sweep.yaml", data)
    out = tmp_path / "sw"
    p = cli("sweep", str(small), "--file", str(spec), "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and message in p.stderr, p.stderr
    if "desing" in message:
        assert "(did you mean 'design'?)" in p.stderr
    assert not out.exists()


def test_an_existing_folder_is_not_overwritten(small, tmp_path):
    out = tmp_path / "sw"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    p = cli("sweep", str(small), "--param", SMALL_PARAMS[0], "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2 and "is not empty and holds no sweep" in p.stderr
    assert [x.name for x in out.iterdir()] == ["notes.txt"]


def test_a_sweep_file_gives_params_design_and_outputs(small, tmp_path):
    spec = write(
        tmp_path / "sweep.yaml",
        {
            "params": {"postures.combat.daily_rate": [0.005, 0.02], "wounded.return_to_duty": {"uniform": [0, 0.6]}},
            "design": "grid",
            "n": 2,
            "reps": 30,
            "seed": 4,
            "outputs": [
                {"threshold": "half"},
                {"claim": "half-by-march"},
                {"measure": "effective", "date": "2025-02-01", "stat": "q50"},
                {"threshold": "half", "by": "2025-03-01"},
            ],
        },
    )
    sw = make_sweep(small, file=spec, reps=20)  # an argument wins over the file
    assert sw.design == "grid" and sw.points == 4 and sw.reps == 20 and sw.seed == 4
    assert [o.column for o in sw.outputs] == [
        "median_day:half",
        "p_cross:half",  # added beside every median day
        "p_holds:half-by-march",
        "q50:effective@2025-02-01",
        "p_cross:half@2025-03-01",
    ]


# -- analyses against known answers --------------------------------------------------------------


def synthetic(design: str, n: int, f, k: int = 3, **kw) -> pd.DataFrame:
    """A frame as sim.sweep returns it, for a known function of unit-range parameters."""
    unit = unit_design(design, k, n, seed=1, **kw)
    names = [f"x{i}" for i in range(k)]
    frame = pd.DataFrame(unit, columns=names)
    frame.insert(0, "point", range(len(frame)))
    for column, labels in designs.design(design).extra(unit, names).items():
        frame[column] = labels
    frame["y"] = f(unit)
    frame.attrs["sweep"] = {
        "design": design,
        "n": n,
        "levels": kw.get("levels", 4),
        "second_order": kw.get("second_order", False),
        "seed": 1,
        "params": dict.fromkeys(names, "0:1"),
        "outputs": ["y"],
    }
    return frame


def test_sobol_indices_of_a_linear_function_match_the_analytic_shares():
    # y = 4 x0 + 2 x1 + 0 x2 with independent uniform x: S1 = ST = 16/20, 4/20, 0.
    frame = synthetic("sobol", 1024, lambda u: 4 * u[:, 0] + 2 * u[:, 1])
    s = sobol_indices(frame, "y").set_index("param")
    # 1,024 base samples: the estimators' errors are about 0.01-0.02 here; 0.05 leaves room.
    assert s["S1"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.05)
    assert s["ST"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.05)
    assert (s["S1_conf"] >= 0).all() and (s["S1_conf"] < 0.1).all()  # x2 has none: y ignores it


def test_morris_mu_star_of_a_linear_function_is_its_slope_over_the_range():
    frame = synthetic("morris", 10, lambda u: 4 * u[:, 0] - 2 * u[:, 1])
    m = morris_indices(frame, "y").set_index("param")
    # Elementary effects of a linear function are exact: |slope| for every step, no spread.
    assert m.loc[["x0", "x1", "x2"], "mu_star"].to_numpy() == pytest.approx([4.0, 2.0, 0.0])
    assert m.loc["x1", "mu"] == pytest.approx(-2.0)
    assert m["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


def test_tornado_orders_parameters_by_swing():
    frame = synthetic("oat", 2, lambda u: 1 * u[:, 0] - 3 * u[:, 1] + 0.5 * u[:, 2])
    t = tornado(frame, "y")
    assert t["param"].tolist() == ["x1", "x0", "x2"]
    assert t["swing"].to_numpy() == pytest.approx([-3.0, 1.0, 0.5])
    assert t["baseline"].iloc[0] == pytest.approx(0.5 - 1.5 + 0.25)


def test_every_design_writes_its_chart(small, tmp_path):
    from sim.sweeps.report import write_report

    for design, n, chart in (
        ("grid", 2, "heatmap.png"),
        ("sobol", 2, "sobol.png"),
        ("morris", 2, "morris.png"),
        ("lhs", 6, "scatter-1.png"),
    ):
        frame = sim.sweep(small, SMALL_PARAMS[:2], design=design, n=n, reps=10, outputs=["median_day:half"])
        files = {f.name for f in write_report(frame, tmp_path / design)}
        assert chart in files and (tmp_path / design / chart).read_bytes()[:4] == b"\x89PNG"


# -- Dask ----------------------------------------------------------------------------------------


def test_a_dask_cluster_gives_the_same_rows_as_the_local_pool(small, tmp_path):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    args = [*PARAM_ARGS, "--design", "sobol", "--n", "4", "--reps", "30", "--batch-points", "3", "--no-plot", "-q"]
    pool = cli("sweep", str(small), *args, "--workers", "2", "--out", str(tmp_path / "pool"), cwd=tmp_path)
    assert pool.returncode == 0, pool.stderr
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        dask = cli(
            "sweep",
            str(small),
            *args,
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "dask"),
            cwd=tmp_path,
        )
    assert dask.returncode == 0, dask.stderr
    a = read_points(tmp_path / "pool" / "points")
    b = read_points(tmp_path / "dask" / "points")
    assert len(a) == 20
    pd.testing.assert_frame_equal(a, b)


def test_without_dask_a_scheduler_gives_a_clear_error(monkeypatch):
    from sim.sweeps.backends import BackendError, backend

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask.distributed were not installed
    with pytest.raises(
        BackendError,
        match=r"^--scheduler: needs dask.distributed; install it with "
        r"pip install \.\[dask\]$",
    ):
        backend(scheduler="tcp://127.0.0.1:8786")
