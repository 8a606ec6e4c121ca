"""Every run as data (``run --save-runs``): ``runs.parquet`` and ``trajectories.nc`` read back,
and agreeing with the run's own tables."""

import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xarray as xr
from click.testing import CliRunner

import sim
from conftest import ROOT
from sim.cli import main
from sim.measures import CROSSING_COLUMNS, QUANTILE_COLUMNS, QUANTILES
from sim.outputs import write_run
from sim.plan import compile_plan
from sim.runs_data import MEASURE_WORDS, RUNS_KEY, parameter_values

BASELINE = ROOT / "scenarios" / "kursk-baseline.yaml"
REPS = 50


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A seeded run of the Kursk baseline saved with its runs (no charts: they are not tested here)."""
    out = tmp_path_factory.mktemp("save") / "run"
    result = sim.run(BASELINE, reps=REPS, seed=4, keep_trajectories=True)
    write_run(result, out, plot=False, save_runs=True)
    return result, out


def test_runs_parquet_has_a_row_per_run_and_typed_columns(saved):
    result, out = saved
    table = pq.read_table(out / "runs.parquet")
    schema = table.schema
    params = compile_plan(result.scenario).param_paths()
    crossings = [f"first_crossing:{t}" for t in result.scenario.thresholds]
    claims = [f"holds:{c.id}" for c in result.scenario.claims]
    assert table.column_names == ["run", *params, *crossings, *claims]
    assert table.num_rows == REPS and table.column("run").to_pylist() == list(range(REPS))
    assert all(schema.field(p).type == pa.float64() for p in params)
    assert all(schema.field(c).type == pa.date32() for c in crossings)
    assert all(schema.field(c).type == pa.bool_() for c in claims)
    # Every field says its unit and meaning; a share is a share, a rate a daily probability.
    assert all(set(schema.field(n).metadata) == {b"unit", b"description"} for n in table.column_names)
    assert schema.field("casualties.killed").metadata[b"unit"] == b"share, 0 to 1"
    assert schema.field("postures.combat.daily_rate").metadata[b"unit"] == b"probability per person a day"
    assert schema.field("units.wave-2.size").metadata[b"unit"] == b"people"
    info = json.loads(schema.metadata[RUNS_KEY])
    assert info["scenario"] == "kursk-baseline" and info["seed"] == 4 and info["reps"] == REPS
    assert info["version"] == sim.__version__
    # The SHA-256 is that of the resolved scenario written next to it.
    assert info["scenario_sha256"] == hashlib.sha256((out / "scenario.yaml").read_bytes()).hexdigest()
    # The drawn values are the scenario's: the uniform second wave lies in its range and varies.
    size = table.column("units.wave-2.size").to_numpy()
    assert ((size >= 7000) & (size <= 9000)).all() and size.std() > 0


def test_first_crossing_dates_agree_with_thresholds_csv(saved):
    result, out = saved
    runs = pd.read_parquet(out / "runs.parquet")
    table = pd.read_csv(out / "thresholds.csv").set_index("threshold")
    crossed_some = False
    for name in result.scenario.thresholds:
        dates = pd.to_datetime(runs[f"first_crossing:{name}"])
        days = (dates - pd.Timestamp(result.dates[0])).dt.days.to_numpy(dtype=float, na_value=np.inf)
        assert np.mean(np.isfinite(days)) == pytest.approx(table.loc[name, "probability_by_end"])
        for col in CROSSING_COLUMNS:  # the same quantile rule (inverted CDF, never crossed last)
            q = float(np.quantile(days, QUANTILES[QUANTILE_COLUMNS.index(col)], method="inverted_cdf"))
            want = table.loc[name, col]
            if np.isinf(q):
                assert pd.isna(want), (name, col)
            else:
                crossed_some = True
                assert (pd.Timestamp(result.dates[0]) + pd.Timedelta(days=q)).date().isoformat() == want, (name, col)
    assert crossed_some  # the comparison above saw dates, not only runs that never cross
    # And each run's date is its first-crossing day in the result.
    first = result.first_crossing["combat_ineffective"]
    expect = [None if d < 0 else result.dates[d] for d in first]
    assert runs["first_crossing:combat_ineffective"].tolist() == expect


def test_claim_outcomes_agree_with_the_claims_table(saved):
    result, out = saved
    runs = pd.read_parquet(out / "runs.parquet")
    for r in result.claims.to_dict("records"):
        assert runs[f"holds:{r['id']}"].dtype == bool
        assert runs[f"holds:{r['id']}"].mean() == pytest.approx(r["probability"])


def test_trajectories_nc_reads_back_as_int32_with_real_dates(saved):
    result, out = saved
    with xr.open_dataset(out / "trajectories.nc") as ds:
        assert dict(ds.sizes) == {"run": REPS, "date": len(result.dates)}
        assert list(ds.data_vars) == list(result.measures)
        assert all(ds[m].dtype == np.int32 and ds[m].dims == ("run", "date") for m in ds.data_vars)
        assert [d.date() for d in pd.to_datetime(ds["date"].values)] == result.dates
        assert ds["run"].values.tolist() == list(range(REPS))
        assert ds.attrs["scenario"] == "kursk-baseline" and ds.attrs["seed"] == 4 and ds.attrs["reps"] == REPS
        assert ds["effective"].attrs == {"units": "people", "description": MEASURE_WORDS["effective"]}
        assert ds["effective"].encoding["zlib"] is True  # compressed
        quantiles = pd.read_csv(out / "quantiles.csv")
        for m in ("effective", "casualties", "wounded_in_care"):
            q50 = quantiles[quantiles["measure"] == m]["q50"].to_numpy()
            # quantiles.csv holds 6 significant digits: medians of up to ~20,000 people agree to 0.5.
            np.testing.assert_allclose(ds[m].median("run").values, q50, atol=0.5, rtol=0)
            np.testing.assert_array_equal(ds[m].values, result.trajectories[m])


def test_the_parameter_values_are_those_the_run_used(saved):
    """Running again with the saved values as given values gives the same numbers."""
    result, _ = saved
    again = sim.run(BASELINE, reps=REPS, seed=4, values=parameter_values(result))
    np.testing.assert_array_equal(again.q, result.q)
    for name, first in result.first_crossing.items():
        np.testing.assert_array_equal(again.first_crossing[name], first)


def test_given_values_are_written_as_given(tmp_path):
    rate = np.linspace(0.004, 0.012, REPS)
    values = {"postures.combat.daily_rate": rate}
    result = sim.run(BASELINE, reps=REPS, seed=4, values=values, keep_trajectories=True)
    result.save(tmp_path / "out", plot=False, save_runs=True, values=values)
    table = pq.read_table(tmp_path / "out" / "runs.parquet")
    np.testing.assert_array_equal(table.column("postures.combat.daily_rate").to_numpy(), rate)
    assert b"given to the run" in table.schema.field("postures.combat.daily_rate").metadata[b"description"]
    assert json.loads(table.schema.metadata[RUNS_KEY])["given"] == ["postures.combat.daily_rate"]


def test_force_ratio_is_stored_in_thousandths(tmp_path):
    result = sim.run(ROOT / "scenarios" / "iwo-jima" / "iwo-jima-1945.yaml", reps=20, seed=1, keep_trajectories=True)
    write_run(result, tmp_path / "out", plot=False, save_runs=True)
    with xr.open_dataset(tmp_path / "out" / "trajectories.nc") as ds:
        ratio = ds["force_ratio"]
        assert ratio.dtype == np.int32 and "thousandths" in ratio.attrs["units"]
        np.testing.assert_array_equal(ratio.values, np.rint(result.trajectories["force_ratio"] * 1000))
        assert ds["opponent.effective"].attrs["description"].startswith("the opponent's")


def test_without_save_runs_no_run_files_are_written(tmp_path):
    result = sim.run(BASELINE, reps=REPS, seed=4)
    names = {p.name for p in write_run(result, tmp_path / "out", plot=False)}
    assert "runs.parquet" not in names and "trajectories.nc" not in names
    assert not (tmp_path / "out" / "runs.parquet").exists() and not (tmp_path / "out" / "trajectories.nc").exists()
    with pytest.raises(ValueError, match="keep_trajectories=True"):
        result.save(tmp_path / "other", plot=False, save_runs=True)
    assert not (tmp_path / "other").exists()


def test_the_command_line_saves_runs(tmp_path):
    out = tmp_path / "out"
    args = [
        "run",
        str(BASELINE),
        "--reps",
        str(REPS),
        "--seed",
        "4",
        "--out",
        str(out),
        "--no-plot",
        "-q",
        "--save-runs",
    ]
    ran = CliRunner().invoke(main, args)
    assert ran.exit_code == 0, ran.output
    summary = json.loads((out / "summary.json").read_text())
    assert {"runs.parquet", "trajectories.nc", "report.html"} <= set(summary["files"])
    info = json.loads(pq.read_schema(out / "runs.parquet").metadata[RUNS_KEY])
    assert info["scenario_file_sha256"] == summary["scenario_file_sha256"]
    assert info["scenario_file_sha256"] == hashlib.sha256(BASELINE.read_bytes()).hexdigest()
    assert info["scenario_sha256"] == summary["scenario_sha256"]
