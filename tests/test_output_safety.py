"""Output folders: a command never deletes or overwrites a file it did not write, a crash
leaves the old output or the new one, and of two writers the later is refused cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import refused, run_cli, snapshot

from conftest import BASE, ROOT, write
from sim.folders import OutputError, OutputFolder, clean_staging, default_out_dir, label, staged
from sim.marker import MARKER

SMALL = ["--reps", "40", "--no-plot", "-q"]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write(tmp_path / "s.yaml", BASE)


def complete(folder: Path) -> bool:
    """The folder holds exactly the files its marker lists (plus others' files, if any)."""
    marker = json.loads((folder / MARKER).read_text())
    return all((folder / f).is_file() for f in marker["files"])


def staging_left(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".sim-staging-" in p.name]


# -- refusals: someone else's folder ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "claims", "calibrate"])
def test_folder_with_a_foreign_file_is_refused(tmp_path, scenario, command):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "thesis.tex").write_text("years of work")
    args = {
        "run": ["run", "s.yaml", "--out", "d", *SMALL],
        "claims": ["claims", "s.yaml", "--out", "d", "--reps", "40", "-q"],
        "calibrate": ["calibrate", "s.yaml", "--out", "d", "--fit", "postures.combat.daily_rate"],
    }[command]
    refused(args, tmp_path, "--out d", "thesis.tex", "did not write")
    assert (tmp_path / "d" / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_current_folder_and_its_parents_are_refused(tmp_path, scenario, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_bytes(scenario.read_bytes())
    refused(["run", "s.yaml", "--out", out, *SMALL], work, "current folder")


def test_out_under_a_file_is_refused_before_any_work(tmp_path, scenario):
    refused(["run", "s.yaml", "--out", "s.yaml/x", *SMALL], tmp_path, "is a file")


def test_out_that_is_a_file_is_refused(tmp_path, scenario):
    (tmp_path / "taken").write_text("mine")
    refused(["run", "s.yaml", "--out", "taken", *SMALL], tmp_path, "--out", "is a file")


def test_unwritable_place_is_refused_before_any_work(tmp_path, scenario):
    # /proc refuses new folders even to root, so the check does not depend on who runs the test.
    err = refused(["run", "s.yaml", "--out", "/proc/sim-out", *SMALL], tmp_path, "cannot be")
    assert "/proc/sim-out" in err


def test_symlinked_out_is_refused(tmp_path, scenario):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    refused(["run", "s.yaml", "--out", "link", *SMALL], tmp_path, "symbolic link")


@pytest.mark.parametrize("name", ["..", "../escape", "/tmp/abs", "a/../../b", "."])
def test_a_name_is_a_label_inside_out(tmp_path, scenario, name):
    proc = run_cli(["run", "s.yaml", "--set", f"name={name}", *SMALL], tmp_path)
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 0:
        made = [p for p in tmp_path.iterdir() if p.name not in ("s.yaml", "out")]
        assert made == [], made
        (inside,) = (tmp_path / "out").iterdir()
        assert inside.name == label(name) and complete(inside)


def test_labels():
    assert label("..") == "scenario"
    assert label("../../etc/passwd") == "etc-passwd"
    assert label("kursk baseline/2") == "kursk-baseline-2"
    assert default_out_dir("/abs", "-calibration") == Path("out/abs-calibration")


# -- our own folder: replaced, others' files kept ----------------------------------------------------


def test_rerun_replaces_only_what_it_wrote(tmp_path, scenario):
    assert run_cli(["run", "s.yaml", "--out", "d", "--reps", "40", "-q"], tmp_path).returncode == 0
    assert (tmp_path / "d" / "fan.png").exists()
    (tmp_path / "d" / "notes.md").write_text("my notes")
    proc = run_cli(["run", "s.yaml", "--out", "d", *SMALL], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "d" / "notes.md").read_text() == "my notes"
    assert not (tmp_path / "d" / "fan.png").exists()  # ours, not written this time
    assert complete(tmp_path / "d") and staging_left(tmp_path) == []


def test_a_foreign_folder_inside_our_output_is_refused(tmp_path, scenario):
    assert run_cli(["run", "s.yaml", "--out", "d", *SMALL], tmp_path).returncode == 0
    (tmp_path / "d" / "drafts").mkdir()
    (tmp_path / "d" / "drafts" / "a.txt").write_text("x")
    refused(["run", "s.yaml", "--out", "d", *SMALL], tmp_path, "drafts")


def test_a_file_of_the_same_name_is_never_replaced(tmp_path):
    target = tmp_path / "d"
    staged(target, lambda d: (d / "a.csv").write_text("1"))
    (target / "b.csv").write_text("someone's")
    with pytest.raises(OutputError, match=r"b\.csv"):
        staged(target, lambda d: (d / "b.csv").write_text("2"))
    assert (target / "b.csv").read_text() == "someone's" and staging_left(tmp_path) == []


def test_empty_folder_is_used(tmp_path):
    (tmp_path / "d").mkdir()
    staged(tmp_path / "d", lambda d: (d / "a.csv").write_text("1"))
    assert (tmp_path / "d" / "a.csv").read_text() == "1"


def test_output_of_an_earlier_version_is_recognised(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "summary.json").write_text(json.dumps({"version": "0.1.0", "files": ["a.csv", "summary.json"]}))
    (d / "a.csv").write_text("old")
    staged(d, lambda s: (s / "a.csv").write_text("new"))
    assert (d / "a.csv").read_text() == "new" and not (d / "summary.json").exists()


def test_without_an_atomic_exchange_the_fallback_still_replaces(tmp_path, monkeypatch):
    import sim.folders

    staged(tmp_path / "d", lambda d: (d / "a.csv").write_text("1"))
    (tmp_path / "d" / "keep.txt").write_text("k")
    monkeypatch.setattr(sim.folders, "exchange", lambda a, b: False)
    staged(tmp_path / "d", lambda d: (d / "a.csv").write_text("2"))
    assert (tmp_path / "d" / "a.csv").read_text() == "2"
    assert (tmp_path / "d" / "keep.txt").read_text() == "k" and staging_left(tmp_path) == []


def test_failure_while_writing_leaves_the_old_output(tmp_path):
    staged(tmp_path / "d", lambda d: (d / "a.csv").write_text("1"))
    before = snapshot(tmp_path)

    def broken(d: Path) -> None:
        (d / "a.csv").write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        staged(tmp_path / "d", broken)
    assert snapshot(tmp_path) == before


# -- two writers ---------------------------------------------------------------------------------


def test_the_later_of_two_writers_is_refused(tmp_path):
    first, second = OutputFolder(tmp_path / "d"), OutputFolder(tmp_path / "d")
    first.write(lambda d: (d / "a.csv").write_text("first"))
    with pytest.raises(OutputError, match="another run wrote"):
        second.write(lambda d: (d / "a.csv").write_text("second"))
    assert (tmp_path / "d" / "a.csv").read_text() == "first" and staging_left(tmp_path) == []


def test_two_concurrent_runs_on_one_folder(tmp_path, scenario):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    cmd = [sys.executable, str(ROOT / "simulate.py"), "run", "s.yaml", "--out", "d", "--reps", "300", "-q"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, 2]), outcomes  # both in turn, or the later refused
    for code, err in outcomes:
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and "another run wrote" in err
    assert complete(tmp_path / "d") and staging_left(tmp_path) == []


# -- staging left by a killed process ----------------------------------------------------------------


def test_staging_of_a_dead_process_is_cleaned_and_others_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ours_dead = tmp_path / f".d.sim-staging-{dead.pid}-0a1b"
    ours_alive = tmp_path / f".d.sim-staging-{os.getpid()}-0a1c"
    not_ours = tmp_path / f".d.sim-staging-{dead.pid}-0a1d"
    for p in (ours_dead, ours_alive, not_ours):
        p.mkdir()
    (ours_dead / ".sim-staging").write_text("")
    (ours_alive / ".sim-staging").write_text("")
    (not_ours / "precious.txt").write_text("x")
    clean_staging(tmp_path / "d")
    assert not ours_dead.exists() and ours_alive.exists() and (not_ours / "precious.txt").exists()


KILL_ARGS = {
    "run": ["run", "s.yaml", "--out", "d", "--reps", "3000"],
    "claims": ["claims", "s.yaml", "--out", "d", "--reps", "3000"],
    "calibrate": [
        "calibrate",
        "s.yaml",
        "--out",
        "d",
        "--fit",
        "postures.combat.daily_rate",
        "--walkers",
        "8",
        "--steps",
        "6",
        "--reps",
        "16",
        "--predictive-reps",
        "200",
    ],
}


def _with_claim(tmp_path: Path) -> None:
    data = dict(
        BASE,
        thresholds={"half": {"measure": "effective", "below": 5000}},
        claims=[
            {
                "id": "c",
                "says": "half gone",
                "source": {"who": "w"},
                "holds_if": {"threshold": "half", "by": "2025-03-01"},
            }
        ],
    )
    data["postures"] = {"combat": {"daily_rate": {"uniform": [0.005, 0.02]}}}
    data["estimates"] = "reports.yaml"
    write(tmp_path / "s.yaml", data)
    report = {
        "id": "c-feb",
        "kind": "casualties",
        "value": 3000,
        "date": "2025-02-01",
        "says": "a figure",
        "who": "test",
        "outlet": "test",
        "file": "000_0.txt",
    }
    write(tmp_path / "reports.yaml", {"case": "test", "default_relative_error": 0.15, "estimates": [report]})


@pytest.mark.parametrize("command", ["run", "claims", "calibrate"])
def test_kill_at_any_point_leaves_old_or_new_output(tmp_path, command):
    """SIGKILL at spread-out moments of a command that replaces an earlier output: the folder
    is always the old output intact or a complete new one, and the next run cleans up."""
    _with_claim(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    cmd = [sys.executable, str(ROOT / "simulate.py"), *KILL_ARGS[command], "-q"]
    assert subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True).returncode == 0
    old = snapshot(tmp_path / "d")
    start = time.monotonic()
    subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, check=True)
    length = time.monotonic() - start
    for fraction in (0.4, 0.8, 0.95, 1.0):  # while working, while writing, at the end
        before = snapshot(tmp_path / "d")
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(length * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = snapshot(tmp_path / "d")
        assert now == before or complete(tmp_path / "d"), fraction
        assert set(now) == set(old)  # the same files, whichever output it is
    assert subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True).returncode == 0
    assert staging_left(tmp_path) == [] and complete(tmp_path / "d")
