"""The stored numeric baseline: every shipped scenario, seeded, gives the numbers stored in
``tests/data/baseline.json``.  A refactor that changes numbers fails here; an intended change
regenerates the file with ``python tests/regenerate_baseline.py`` and says why."""

import json

import pytest
from regenerate_baseline import BASELINE, baseline

STORED = json.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def current() -> dict:
    return baseline()


def test_the_same_scenarios(current):
    assert sorted(current["scenarios"]) == sorted(STORED["scenarios"])


@pytest.mark.parametrize("name", sorted(STORED["scenarios"]))
def test_numbers_unchanged(current, name):
    # Same seed, same machine kind: the numbers are reproduced exactly (the 6-decimal rounding
    # in the file only absorbs printing).
    assert current["scenarios"][name] == STORED["scenarios"][name]
