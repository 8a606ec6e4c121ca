"""Bad input: a one-line error naming the file and the field, exit code 2, nothing written."""

import subprocess
import sys

import pytest
import yaml

from conftest import BASE, ROOT


def variant(**changes):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for k, v in changes.items():
        data[k] = v
    return yaml.safe_dump(data, sort_keys=False)


# (case id, file text, field named in the message, words of the rule that must appear)
CASES = [
    ("broken-yaml", "name: x\nunits: [\n", "", "not valid YAML"),
    ("unknown-key", variant(colour="red"), "colour", "allowed:"),
    ("unknown-nested-key", variant(postures={"combat": {"rates": 0.1}}), "postures.combat", "unknown key 'rates'"),
    (
        "negative-size",
        variant(units=[{"name": "a", "arrive": "2025-01-01", "size": -5}]),
        "units.0.size",
        "must lie in",
    ),
    ("shares-over-1", variant(casualties={"killed": 0.7, "missing": 0.6}), "casualties", "must not exceed 1"),
    (
        "wounded-shares-over-1",
        variant(wounded={"return_to_duty": 0.8, "died_of_wounds": 0.5}),
        "wounded",
        "must not exceed 1",
    ),
    ("end-before-start", variant(end="2024-12-01"), "end", "after start"),
    ("wrong-type", variant(reps="many"), "reps", "integer"),
    ("huge-reps", variant(reps=10**12), "reps", "less than or equal"),
    ("python-tag", "name: x\nunits: !!python/object/apply:os.system ['echo hacked']\n", "", "not allowed"),
    ("empty-file", "", "", "empty"),
    ("top-level-list", "- a\n- b\n", "", "mapping"),
    (
        "unknown-posture",
        variant(phases=[{"from": "2025-01-01", "posture": "assault"}]),
        "phases.0.posture",
        "not among postures",
    ),
    (
        "phase-outside-run",
        variant(phases=[{"from": "2026-01-01", "posture": "combat"}]),
        "phases.0.from",
        "between start and end",
    ),
    (
        "bad-range",
        variant(postures={"combat": {"daily_rate": {"uniform": [0.5, 0.1]}}}),
        "postures.combat.daily_rate",
        "low <= high",
    ),
    (
        "unknown-distribution",
        variant(postures={"combat": {"per_day": {"beta": [1, 2]}}}),
        "postures.combat.per_day",
        "unknown distribution",
    ),
    (
        "duplicate-unit",
        variant(
            units=[{"name": "a", "arrive": "2025-01-01", "size": 1}, {"name": "a", "arrive": "2025-01-02", "size": 1}]
        ),
        "units.1.name",
        "used twice",
    ),
    (
        "unknown-measure",
        variant(thresholds={"x": {"measure": "morale", "below": 1}}),
        "thresholds.x.measure",
        "unknown measure",
    ),
    ("missing-units", variant(units=None), "units", ""),
    (
        "claim-unknown-threshold",
        variant(
            claims=[
                {"id": "c", "says": "s", "source": {"who": "w"}, "holds_if": {"threshold": "nope", "by": "2025-03-01"}}
            ]
        ),
        "claims.0.holds_if.threshold",
        "no threshold named",
    ),
    ("rate-over-1", variant(postures={"combat": {"daily_rate": 1.5}}), "postures.combat.daily_rate", "must lie in"),
]


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize(("text", "field", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_file(tmp_path, text, field, rule):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    p = cli("run", str(path), "--out", str(out), "--reps", "10", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    msg = lines[0]
    assert str(path) in msg
    assert field in msg and rule in msg, msg
    assert "Traceback" not in p.stderr
    assert not out.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.yaml"]  # nothing else written


def test_missing_file(tmp_path):
    p = cli("run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert p.returncode == 2
    assert "nope.yaml" in p.stderr and "no such scenario file" in p.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--reps", "0"], "--reps: reps: must be between"),
        (["--reps", "99999999999"], "--reps: reps: must be between"),
        (["--set", "name.first=x"], "name.first: name holds a value"),
        (["--set", "units.9.size=5"], "units.9.size: no item '9'"),
        (["--set", "postures.combat.daily_rate=2"], "postures.combat.daily_rate: must lie in"),
        (["--set", "nonsense"], "an override is path=value"),
    ],
)
def test_bad_options(tmp_path, args, words):
    scen = ROOT / "scenarios" / "kursk-baseline.yaml"
    p = cli("run", str(scen), "--out", str(tmp_path / "out"), *args, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and words in p.stderr, p.stderr
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_every_bad_file_and_exits_2(tmp_path):
    (tmp_path / "good.yaml").write_text(variant())
    (tmp_path / "bad.yaml").write_text(variant(colour="red"))
    p = cli("validate", str(tmp_path), cwd=tmp_path)
    assert p.returncode == 2
    assert "ok: " in p.stdout and "good.yaml" in p.stdout
    assert "bad.yaml" in p.stderr and "colour" in p.stderr


def test_every_input_error_is_an_input_error():
    """One class to catch for bad input from Python; each keeps its one-line message."""
    import sim
    from sim.calibration import CalibrationError
    from sim.folders import OutputError
    from sim.posterior import PosteriorError

    assert sim.ScenarioError is sim.InputError  # the former name still works
    for cls in (OutputError, PosteriorError, CalibrationError):
        assert issubclass(cls, sim.InputError), cls
    out = OutputError("--out", "d", "holds files this tool did not write (a.txt)")
    assert str(out) == "--out d: holds files this tool did not write (a.txt)"
    assert (out.option, out.path, out.rule) == ("--out", "d", "holds files this tool did not write (a.txt)")
    assert str(PosteriorError("p.parquet", "", "holds no samples")) == "p.parquet: holds no samples"
    err = sim.InputError("s.yaml", "units.0.size", "must lie in [0, 10]", 7)
    assert str(err) == "s.yaml:7: units.0.size: must lie in [0, 10]"
