"""docs/reference.md is generated from the schema by docs/make_reference.py, and must be current.

Every field of the three input files (scenario, sweep, reported estimates) has its meaning as a
docstring under it in the schema; the reference is built from those, so a field without one, or
a reference not regenerated after a change, fails here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from sim.estimates import Estimates
from sim.fields import Strict
from sim.scenario import Rotation, Scenario
from sim.sweeps.file import SweepFile

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "docs" / "make_reference.py"
REFERENCE = ROOT / "docs" / "reference.md"
ROOTS = (Scenario, SweepFile, Estimates)


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """docs/make_reference.py, loaded from its path (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_reference", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_current(generator):
    written = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    assert written == generator.render(), (
        "docs/reference.md differs from the schema's docstrings: run `python docs/make_reference.py`"
    )


def test_every_field_has_a_description(generator):
    missing = [
        f"{model.__name__}.{name}"
        for root in ROOTS
        for model in generator.models(root)
        for name, field in model.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert not missing, f"fields without a docstring under them in the schema: {', '.join(missing)}"


def test_every_model_is_in_the_reference(generator):
    names = {m.__name__ for root in ROOTS for m in generator.models(root)}
    assert {
        "Scenario",
        "Unit",
        "Phase",
        "Posture",
        "Casualties",
        "Delay",
        "Wounded",
        "Disease",
        "Rotation",
        "Condition",
        "Policy",
        "Source",
        "ClaimTest",
        "Claim",
        "SweepFile",
        "Estimates",
        "Estimate",
    } <= names


def test_every_field_has_a_row(generator):
    text = generator.render()
    for root in ROOTS:
        rows = list(generator.walk(root, in_scenario=root is Scenario))
        for row in rows:
            assert f"| `{row.path}` |" in text
    paths = {r.path for r in generator.walk(Scenario)}
    assert {
        "rotations[].lead_days",
        "rotations[].every_days",
        "policy[].max_times",
        "initial_posture",
        "postures.<name>.dispersion",
        "wounded.evacuation_days.min",
        "claims[].holds_if.from",
    } <= paths


def test_a_field_without_a_docstring_stops_the_generator(generator):
    class Section(Strict):
        documented: int = 0
        """A field with its meaning."""
        undocumented: int = 0

    with pytest.raises(generator.UndocumentedField, match=r"Section\.undocumented"):
        list(generator.walk(Section))


def test_ranges_and_units_come_from_the_schema(generator):
    rows = {r.path: r for r in generator.walk(Scenario)}
    assert rows["postures.<name>.daily_rate"].range == "0 to 1 (probability per person a day)"
    assert rows["casualties.killed"].range == "0 to 1 (share)"
    assert rows["units[].size"].range == "0 to 10,000,000 (people)"
    assert rows["rotations[].lead_days"].range == "0 to 7,320 (days)"
    assert rows["wounded.recovery_days.mean"].range == "1 to 7,320 (days)"
    assert rows["rotations[].size"].default == "required"
    assert rows["postures.<name>.disease_rate"].default == "not set"
    assert rows["wounded.recovery_days"].default == "`{mean: 21, min: 0}`"


def test_examples_are_valid(generator):
    for _, model, text in generator.EXAMPLES:
        model.model_validate(yaml.safe_load(text))
    for item in yaml.safe_load(generator.ROTATION_EXAMPLE)["rotations"]:
        Rotation.model_validate(item)
