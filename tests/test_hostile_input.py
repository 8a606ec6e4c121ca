"""Hostile and malformed input: every scenario, override, estimates and sweep file is refused
with one line naming the file, the line and the field, promptly and without a traceback.

The command-line cases run through :func:`hostile.refused` (a subprocess with a memory cap);
the pure loader checks call :func:`sim.load_scenario` in-process.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile import refused, run_cli

import sim
from conftest import BASE, write
from sim.estimates import estimates_for
from sim.textfile import MAX_FILE_BYTES
from sim.yamlfile import MAX_NODES, load_yaml_text, parse_yaml

ESTIMATE = {
    "id": "x",
    "date": "2025-01-15",
    "kind": "casualties",
    "value": 3000,
    "says": "a paraphrase",
    "who": "someone",
    "outlet": "somewhere",
    "file": "000_d5a8303e657b57dc.txt",
}

#: Nine levels of nine aliases: a billion values once expanded, a few hundred bytes as text.
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)

SWEEP = {"params": {"postures.combat.daily_rate": "0.001:0.02"}, "design": "oat", "n": 2, "reps": 5}


def scenario_text(extra: str = "", **changes: Any) -> str:
    """The base scenario as YAML (``None`` removes a key), with raw YAML ``extra`` appended
    (for what a dump would quote: unquoted dates, duplicate keys, anchors)."""
    data = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return yaml.safe_dump(data, sort_keys=False) + extra


def put(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def estimates_text(extra: str = "", **fields: Any) -> str:
    """An estimates file of one figure (fields replaced; ``None`` removes), raw ``extra``
    appended to the figure's mapping."""
    item = {k: v for k, v in {**ESTIMATE, **fields}.items() if v is not None}
    body = "".join(f"    {k}: {v}\n" for k, v in item.items())
    return f"case: t\nestimates:\n  - {body.lstrip()}{extra}"


def with_estimates(folder: Path, estimates: str) -> Path:
    """A scenario ``s.yaml`` in ``folder`` whose estimates file is ``estimates``."""
    return put(folder, "s.yaml", scenario_text(f"estimates: {estimates}\n"))


def line_of_text(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- 1. impossible dates, in every file kind ----------------------------------------------------


def test_impossible_date_in_a_scenario(tmp_path):
    text = scenario_text("units:\n  - {name: a, arrive: 2025-02-30, size: 10000}\n", units=None)
    put(tmp_path, "bad.yaml", text)
    line = line_of_text(text, "2025-02-30")
    refused(["run", "bad.yaml"], tmp_path, f"bad.yaml:{line}: units.0.arrive:", "2025-02-30", "YYYY-MM-DD")


def test_impossible_date_in_an_override(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    refused(["run", "s.yaml", "--set", "end=2025-06-31"], tmp_path, "end:", "2025-06-31", "YYYY-MM-DD")


def test_impossible_date_in_the_estimates_file(tmp_path):
    with_estimates(tmp_path, "est.yaml")
    text = put(tmp_path, "est.yaml", estimates_text(date="2025-13-01")).read_text()
    line = line_of_text(text, "2025-13-01")
    refused(
        ["run", "s.yaml"],
        tmp_path,
        "s.yaml:",
        "estimates: in est.yaml",
        f"est.yaml:{line}: estimates.0.date:",
        "YYYY-MM-DD",
    )


def test_impossible_date_in_a_sweep_file(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    text = yaml.safe_dump(SWEEP) + "outputs:\n  - {measure: effective, date: 2025-04-31}\n"
    put(tmp_path, "sw.yaml", text)
    line = line_of_text(text, "2025-04-31")
    refused(["sweep", "s.yaml", "--file", "sw.yaml"], tmp_path, f"sw.yaml:{line}: outputs.0.date:", "YYYY-MM-DD")


def test_impossible_date_in_a_sweep_files_overrides(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    put(tmp_path, "sw.yaml", yaml.safe_dump(SWEEP) + "set: {start: 2025-02-29}\n")
    refused(["sweep", "s.yaml", "--file", "sw.yaml"], tmp_path, "sw.yaml:", "set.start:", "2025-02-29")


def test_validate_folder_reports_the_others_when_one_has_an_impossible_date(tmp_path):
    write(tmp_path / "a-good.yaml", BASE)
    put(tmp_path, "b-bad.yaml", scenario_text("start: 2025-02-30\n", start=None))
    put(tmp_path, "c-bad.yaml", scenario_text(colour="red"))
    write(tmp_path / "d-good.yaml", BASE)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_cli(["validate", "."], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("error: ") for e in errors), proc.stderr
    assert "b-bad.yaml" in errors[0] and "start" in errors[0] and "YYYY-MM-DD" in errors[0]
    assert "c-bad.yaml" in errors[1] and "colour" in errors[1]
    assert "a-good.yaml" in proc.stdout and "d-good.yaml" in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# -- 2. recursive anchors -----------------------------------------------------------------------


def test_recursive_anchor_in_a_scenario(tmp_path):
    put(tmp_path, "bad.yaml", scenario_text("units: &u [{name: a, arrive: 2025-01-01, size: *u}]\n", units=None))
    refused(["validate", "bad.yaml"], tmp_path, "bad.yaml:", "units", "a loop")


def test_recursive_anchor_in_an_override(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    refused(["run", "s.yaml", "--set", "description=&x [*x]"], tmp_path, "description", "a loop")


# -- 3. alias bombs -----------------------------------------------------------------------------


def test_alias_bomb_in_a_scenario_is_refused_promptly(tmp_path):
    put(tmp_path, "bomb.yaml", scenario_text(BOMB))
    start = time.perf_counter()
    refused(["run", "bomb.yaml"], tmp_path, "bomb.yaml:", f"more than {MAX_NODES:,} values", timeout=30)
    assert time.perf_counter() - start < 30


def test_alias_bomb_in_a_sweep_file(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    put(tmp_path, "sw.yaml", yaml.safe_dump(SWEEP) + BOMB)
    refused(["sweep", "s.yaml", "--file", "sw.yaml"], tmp_path, "sw.yaml:", "values", timeout=30)


def test_alias_bomb_in_an_estimates_file(tmp_path):
    with_estimates(tmp_path, "est.yaml")
    put(tmp_path, "est.yaml", estimates_text() + BOMB)
    refused(["validate", "s.yaml"], tmp_path, "estimates: in est.yaml", "values", timeout=30)


def test_alias_bomb_in_an_override(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    bomb = "{" + BOMB.strip().replace("\n", ", ") + "}"
    refused(["run", "s.yaml", "--set", f"description={bomb}"], tmp_path, "description", "values", timeout=30)


def test_alias_bomb_parses_in_bounded_time():
    start = time.perf_counter()
    with pytest.raises(yaml.YAMLError, match="once its aliases are expanded"):
        load_yaml_text(BOMB)
    assert time.perf_counter() - start < 2


# -- 4. size and kind of file -------------------------------------------------------------------


def test_a_50_megabyte_scenario_is_refused_promptly(tmp_path):
    with open(tmp_path / "big.yaml", "w") as f:
        f.write(scenario_text())
        f.write("description: |\n")
        line = "  " + "x" * 1021 + "\n"
        f.write(line * (50 * 1024 * 1024 // len(line)))
    refused(["validate", "big.yaml"], tmp_path, "big.yaml:", "larger than 1 MB", timeout=30)


def test_estimates_from_dev_zero(tmp_path):
    with_estimates(tmp_path, "/dev/zero")
    refused(["run", "s.yaml"], tmp_path, "s.yaml:", "estimates:", "/dev/zero", "device", timeout=30)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_scenario_and_as_estimates(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    refused(["validate", "pipe.yaml"], tmp_path, "pipe.yaml:", "pipe", timeout=30)
    with_estimates(tmp_path, "pipe.yaml")
    refused(["run", "s.yaml"], tmp_path, "s.yaml:", "estimates: in pipe.yaml", "pipe", timeout=30)


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("nowhere.yaml", "no estimates file"),
        ("sub", "is a directory"),
        ("/etc/passwd", "in /etc/passwd: "),
    ],
)
def test_validate_checks_the_estimates_file_as_run_does(tmp_path, target, words):
    (tmp_path / "sub").mkdir()
    with_estimates(tmp_path, target)
    for command in (["validate", "s.yaml"], ["run", "s.yaml"]):
        refused(command, tmp_path, "s.yaml:", "estimates:", words)


def test_file_reading_is_bounded(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario_text() + "description: " + "x" * (MAX_FILE_BYTES - len(scenario_text()) - 20) + "\n")
    assert sim.load_scenario(path).description.startswith("xxx")  # just under the limit: read
    path.write_text(path.read_text() + "#" * 40)
    with pytest.raises(sim.InputError, match="larger than 1 MB"):
        sim.load_scenario(path)


# -- 5. duplicate keys --------------------------------------------------------------------------


def test_duplicate_key_in_a_scenario(tmp_path):
    text = scenario_text(
        "postures:\n  combat:\n    daily_rate: 0.01\n    per_day: 5\n    daily_rate: 0.02\n", postures=None
    )
    put(tmp_path, "bad.yaml", text)
    line = len(text.splitlines())
    refused(
        ["run", "bad.yaml"],
        tmp_path,
        f"bad.yaml:{line}: postures.combat:",
        "key 'daily_rate' appears twice",
        f"first on line {line - 2}",
    )


def test_duplicate_key_in_an_estimates_file(tmp_path):
    with_estimates(tmp_path, "est.yaml")
    put(tmp_path, "est.yaml", estimates_text("    value: 500\n"))
    refused(["validate", "s.yaml"], tmp_path, "estimates: in est.yaml", "estimates.0:", "key 'value' appears twice")


def test_duplicate_key_in_a_sweep_file(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    put(tmp_path, "sw.yaml", yaml.safe_dump(SWEEP) + "reps: 50\n")
    refused(["sweep", "s.yaml", "--file", "sw.yaml"], tmp_path, "sw.yaml:", "key 'reps' appears twice")


def test_duplicate_key_in_an_override(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    refused(
        ["run", "s.yaml", "--set", "postures.combat={daily_rate: 0.01, daily_rate: 0.5}"],
        tmp_path,
        "postures.combat",
        "key 'daily_rate' appears twice",
    )


# -- 6. nonsense values -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_threshold_values_must_be_finite(tmp_path, value):
    put(tmp_path, "bad.yaml", scenario_text(f"thresholds:\n  t: {{measure: effective, below: {value}}}\n"))
    refused(["validate", "bad.yaml"], tmp_path, "thresholds.t.below", "finite")


def test_unit_rotated_out_before_it_arrives(tmp_path):
    write(
        tmp_path / "bad.yaml",
        {
            **BASE,
            "reinforcements": [{"name": "b", "arrive": "2025-03-01", "size": 1000}],
            "rotations": [{"unit": "b", "leave": "2025-02-01", "lead_days": 10, "size": 100}],
        },
    )
    refused(["run", "bad.yaml"], tmp_path, "rotations.0.leave", "before unit 'b' arrives")


def claim(**holds_if: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "says": "s",
        "source": {"who": "w", **holds_if.pop("source", {})},
        "holds_if": {"measure": "killed", "above": 10, **holds_if},
    }


@pytest.mark.parametrize(
    ("test", "words"),
    [
        ({"within_days": 200, "from": "2025-03-01"}, "after the run ends (2025-06-30)"),
        ({"within_days": 30, "source": {"date": "2024-06-01"}}, "before the run starts (2025-01-01)"),
        ({"by": "2025-07-01"}, "between start and end"),
        ({"on": "2024-12-31"}, "between start and end"),
    ],
)
def test_claim_deadline_outside_the_run(tmp_path, test, words):
    write(tmp_path / "bad.yaml", {**BASE, "claims": [claim(**test)]})
    refused(["validate", "bad.yaml"], tmp_path, "claims.0", words)


def test_dates_that_would_overflow(tmp_path):
    late = {
        "start": "9999-01-01",
        "end": "9999-12-31",
        "units": [
            {"name": "a", "arrive": "9999-01-01", "size": 10},
        ],
        "phases": [],
    }
    write(tmp_path / "late.yaml", {**BASE, **late})
    refused(["run", "late.yaml"], tmp_path, "start:", "between 1700-01-01 and 2200-12-31")


def test_claim_source_dated_9999(tmp_path):
    write(tmp_path / "bad.yaml", {**BASE, "claims": [claim(within_days=30, source={"date": "9999-12-25"})]})
    refused(["claims", "bad.yaml"], tmp_path, "claims.0.source.date", "9999-12-25")


def test_claim_source_with_the_old_seed_key_says_file(tmp_path):
    write(tmp_path / "old.yaml", {**BASE, "claims": [claim(within_days=30, source={"seed": "000_0.txt"})]})
    refused(
        ["validate", "old.yaml"],
        tmp_path,
        "claims.0.source: unknown key 'seed'; allowed: date, file, outlet, "
        "url, who (the source article's file name is now 'file')",
    )


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_estimate_values_must_be_finite(tmp_path, value):
    with_estimates(tmp_path, "est.yaml")
    put(tmp_path, "est.yaml", estimates_text(value=value))
    refused(["run", "s.yaml"], tmp_path, "estimates: in est.yaml", "estimates.0.value", "finite")


# -- 7. overrides that would be ignored ---------------------------------------------------------


def test_override_of_a_misspelt_posture(tmp_path):
    write(tmp_path / "s.yaml", {**BASE, "postures": {"combat": {"daily_rate": 0.01}, "rear": {"daily_rate": 0.001}}})
    refused(
        ["run", "s.yaml", "--set", "postures.combt.daily_rate=0.5"],
        tmp_path,
        "postures.combt.daily_rate",
        "no posture named 'combt' (known: combat, rear)",
    )


def test_override_of_an_unknown_threshold(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    refused(["run", "s.yaml", "--set", "thresholds.half.below=5000"], tmp_path, "no threshold named 'half'")


def test_sweep_override_of_a_misspelt_posture(tmp_path):
    write(tmp_path / "s.yaml", BASE)
    refused(
        ["sweep", "s.yaml", "--param", "postures.combat.daily_rate=0.001:0.02", "--set", "postures.combt.per_day=4"],
        tmp_path,
        "no posture named 'combt'",
    )


# -- in-process loader checks -------------------------------------------------------------------


LOADER_CASES = [
    ("deep-nesting", "description: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("nesting-past-the-limit", "description: " + "[" * 60 + "]" * 60 + "\n", "nested too deeply"),
    ("huge-integer", "reps: " + "9" * 5000 + "\n", "cannot read"),
    ("nul-character", "description: a\0b\n", "not valid YAML"),
    ("year-zero", "start: 0000-01-01\n", "start: 0000-01-01 is not a date"),
    ("month-13", "start: 2025-13-01\n", "YYYY-MM-DD"),
    ("impossible-timestamp", "start: 2025-02-30 10:00:00\n", "YYYY-MM-DD"),
    ("date-text", "start: soon\n", "start: must be a date written YYYY-MM-DD"),
    ("many-values", "description: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n", "values"),
    ("recursive-mapping", "description: &m {a: *m}\n", "a loop"),
    ("duplicate-top-level", "reps: 5\nreps: 6\n", "key 'reps' appears twice"),
    ("undefined-alias", "description: *nowhere\n", "undefined alias"),
    ("python-tag", "description: !!python/name:os.system\n", "not allowed"),
]


@pytest.mark.parametrize(("text", "words"), [c[1:] for c in LOADER_CASES], ids=[c[0] for c in LOADER_CASES])
def test_loader_refuses_in_one_line(tmp_path, text, words):
    keys = {k.split(":")[0] for k in text.splitlines() if k and not k.startswith(" ")}
    path = put(tmp_path, "bad.yaml", scenario_text(**dict.fromkeys(keys)) + text)
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)) and words in msg, msg


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"date": "9999-12-25"}, "between 1700-01-01 and 2200-12-31"),
        ({"date": None, "dates": "[2025-01-01, 2025-02-31]"}, "YYYY-MM-DD"),
        ({"value": None, "low": 1, "high": ".inf"}, "finite"),
    ],
)
def test_estimates_loader_refuses(tmp_path, fields, words):
    scenario = with_estimates(tmp_path, "est.yaml")
    put(tmp_path, "est.yaml", estimates_text(**fields))
    with pytest.raises(sim.InputError) as err:
        estimates_for(scenario, "est.yaml")
    msg = str(err.value)
    assert msg.startswith(f"{scenario}: estimates: in {tmp_path / 'est.yaml'}:") and words in msg, msg


def test_estimates_error_names_the_scenario_line_when_a_derivation_needs_them(tmp_path):
    text = scenario_text("estimates: est.yaml\n", postures={"combat": {"per_day": {"derive": {"figure": "x"}}}})
    scenario = put(tmp_path, "s.yaml", text)
    put(tmp_path, "est.yaml", estimates_text(value=".nan"))
    with pytest.raises(sim.InputError, match=f"s.yaml:{line_of_text(text, 'estimates:')}: estimates: in "):
        sim.load_scenario(scenario)


def test_derivation_dated_9999(tmp_path):
    with_estimates(tmp_path, "est.yaml")
    put(tmp_path, "est.yaml", estimates_text())
    spec = "postures.combat.per_day={derive: {figure: x, since: 9999-12-25}}"
    with pytest.raises(sim.InputError, match=r"postures\.combat\.per_day\.derive\.since: must be a date between"):
        sim.load_scenario(tmp_path / "s.yaml", [spec])


# -- what must keep working ---------------------------------------------------------------------


def test_override_creates_a_field_the_file_leaves_out(tmp_path):
    path = write(tmp_path / "s.yaml", BASE)
    s = sim.load_scenario(path, ["wounded.return_to_duty=0.3", "disease.recovery_days.mean=12"])
    assert s.wounded.return_to_duty.describe() == "0.3" and s.disease.recovery_days.mean.describe() == "12"


def test_anchors_and_merge_keys_still_work_and_are_not_shared(tmp_path):
    text = scenario_text(
        "postures:\n  combat: &c {daily_rate: 0.01}\n  rear:\n    <<: *c\n    noise: none\n", postures=None
    )
    path = put(tmp_path, "s.yaml", text)
    s = sim.load_scenario(path, ["postures.rear.daily_rate=0.002"])
    assert s.postures["combat"].daily_rate.describe() == "0.01"
    assert s.postures["rear"].daily_rate.describe() == "0.002" and s.postures["rear"].noise == "none"


def test_rotation_on_the_day_of_arrival_and_claims_inside_the_run_load(tmp_path):
    data = {
        **BASE,
        "rotations": [{"unit": "a", "leave": "2025-01-01", "lead_days": 5, "size": 100}],
        "claims": [claim(within_days=180, source={"date": "2025-01-01"}), {**claim(by="2025-06-30"), "id": "d"}],
    }
    s = sim.load_scenario(write(tmp_path / "s.yaml", data))
    assert len(s.claims) == 2 and len(s.rotations) == 1


def test_line_map_names_lines_and_does_not_walk_aliases_again():
    data, lines = parse_yaml("a: &x\n  b: 1\nc: *x\nd:\n  - 2\n  - 3\n")
    assert data == {"a": {"b": 1}, "c": {"b": 1}, "d": [2, 3]}
    assert data["a"] is not data["c"]
    assert lines[("a",)] == 1 and lines[("a", "b")] == 2 and lines[("c",)] == 3 and lines[("d", "1")] == 6
    assert ("c", "b") not in lines
