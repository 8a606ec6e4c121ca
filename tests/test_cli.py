"""The command line through a subprocess, and atomic outputs."""

import json
import subprocess
import sys

import pandas as pd
import pytest

import sim
from conftest import ROOT
from sim import outputs

BASELINE = str(ROOT / "scenarios" / "kursk-baseline.yaml")


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "out"
    p = cli("run", BASELINE, "--reps", "300", "--seed", "4", "--out", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Thresholds: first-crossing date" in p.stdout and "combat_ineffective" in p.stdout
    names = {f.name for f in out.iterdir()} - {".sim-output.json"}  # the folder's marker
    assert names == {
        "scenario.yaml",
        "quantiles.csv",
        "thresholds.csv",
        "crossing.csv",
        "summary.json",
        "fan.png",
        "fan-casualties.png",
        "crossing.png",
        "report.html",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reps"] == 300 and summary["seed"] == 4 and summary["version"] == sim.__version__
    # The files' units are stated: people for every measure here, dates for the crossing columns.
    assert set(summary["units"]["measures"].values()) == {"people"}
    assert "q05, q50, q95: dates" in summary["units"]["thresholds.csv"]
    assert set(summary["thresholds"]) == {"combat_ineffective", "destroyed_30pct", "all_lost"}
    q = pd.read_csv(out / "quantiles.csv")
    assert list(q.columns) == ["date", "measure", "mean", "q05", "q25", "q50", "q75", "q95"]
    assert len(q) == len(sim.MEASURES) * 457
    assert (q["q05"] <= q["q50"]).all() and (q["q50"] <= q["q95"]).all()
    assert (out / "fan.png").read_bytes()[:4] == b"\x89PNG"
    # The resolved scenario carries the seed and version and reruns to the same numbers.
    resolved = (out / "scenario.yaml").read_text()
    assert f"sim {sim.__version__}" in resolved and "seed: 4" in resolved
    again = sim.run(sim.load_scenario(out / "scenario.yaml"))
    written = pd.read_csv(out / "thresholds.csv", parse_dates=["q05", "q50", "q95"])
    for col in ("q05", "q50", "q95"):  # the file's dates read back as the frame's (missing: NaT)
        assert again.thresholds[col].equals(written[col].astype("datetime64[ns]")), col


def test_set_overrides_a_value(tmp_path):
    p1 = cli("run", BASELINE, "--reps", "200", "--out", str(tmp_path / "a"), "--no-plot", "-q", cwd=tmp_path)
    p2 = cli(
        "run",
        BASELINE,
        "--reps",
        "200",
        "--out",
        str(tmp_path / "b"),
        "--no-plot",
        "-q",
        "--set",
        "postures.combat.daily_rate=0.02",
        "--set",
        "units.wave-2.size=9000",
        cwd=tmp_path,
    )
    assert p1.returncode == p2.returncode == 0
    assert not (tmp_path / "a" / "fan.png").exists()
    a = json.loads((tmp_path / "a" / "summary.json").read_text())["thresholds"]["combat_ineffective"]["q50"]
    b = json.loads((tmp_path / "b" / "summary.json").read_text())["thresholds"]["combat_ineffective"]["q50"]
    assert b < a  # twice the loss rate crosses earlier
    assert "size: 9000" in (tmp_path / "b" / "scenario.yaml").read_text()


def test_validate_accepts_every_shipped_scenario():
    p = cli("validate", str(ROOT / "scenarios"), cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "ok: " in p.stdout


def test_failed_write_keeps_old_output(tmp_path, monkeypatch):
    s = sim.load_scenario(BASELINE)
    r = sim.run(s, reps=50, seed=1)
    out = tmp_path / "out"
    r.save(out, plot=False)
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "_frame", boom)
    with pytest.raises(RuntimeError):
        sim.run(s, reps=60, seed=2).save(out, plot=False)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert [f.name for f in tmp_path.iterdir()] == ["out"]  # no staging folder left behind
