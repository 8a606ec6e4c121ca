"""Tier 5: reproducibility.  Same seed, same numbers; batching never changes results."""

import numpy as np
import pytest

import sim

BASELINE = "scenarios/kursk-baseline.yaml"


@pytest.fixture(scope="module")
def baseline():
    from conftest import ROOT

    return sim.load_scenario(ROOT / BASELINE)


def test_same_seed_same_numbers(baseline):
    a = sim.run(baseline, reps=300, seed=7)
    b = sim.run(baseline, reps=300, seed=7)
    np.testing.assert_array_equal(a.q, b.q)
    for k in a.first_crossing:
        np.testing.assert_array_equal(a.first_crossing[k], b.first_crossing[k])
    c = sim.run(baseline, reps=300, seed=8)
    assert not np.array_equal(a.q, c.q)


def test_batch_size_does_not_change_results(baseline):
    # 2,500 replications are blocks of 1,000, 1,000 and 500; run them in batches of one, two
    # and three blocks and in lock step: every trajectory must be identical.
    short = baseline.model_copy(update={"end": baseline.start.replace(year=2025, month=2, day=15)})
    runs = [sim.run(short, reps=2500, seed=3, batch_blocks=b, keep_trajectories=True) for b in (1, 2, 3)]
    runs.append(sim.run(short, reps=2500, seed=3, keep_trajectories=True))
    for other in runs[1:]:
        for m in sim.MEASURES:
            np.testing.assert_array_equal(runs[0].trajectories[m], other.trajectories[m])
        np.testing.assert_allclose(runs[0].q, other.q)
    # The first 1,000 replications do not depend on how many more are run.
    alone = sim.run(short, reps=1000, seed=3, keep_trajectories=True)
    np.testing.assert_array_equal(alone.trajectories["effective"], runs[0].trajectories["effective"][:1000])


def test_resolved_scenario_reruns_to_the_same_numbers(baseline, tmp_path):
    r = sim.run(baseline, reps=200, seed=5)
    r.save(tmp_path / "out", plot=False)
    again = sim.run(sim.load_scenario(tmp_path / "out" / "scenario.yaml"))
    np.testing.assert_array_equal(r.q, again.q)


def test_worker_threads_do_not_change_results(baseline):
    # 2,500 replications in three blocks, run in one thread and in two and three threads
    # sharing out the blocks: the same quantiles, crossings, claims and trajectories.
    short = baseline.model_copy(update={"end": baseline.start.replace(year=2025, month=3, day=1)})
    one = sim.run(short, reps=2500, seed=12, keep_trajectories=True)
    for workers in (2, 3):
        many = sim.run(short, reps=2500, seed=12, keep_trajectories=True, workers=workers)
        np.testing.assert_array_equal(one.q, many.q)
        np.testing.assert_array_equal(one.mean, many.mean)
        for m in sim.MEASURES:
            np.testing.assert_array_equal(one.trajectories[m], many.trajectories[m])
        for k in one.first_crossing:
            np.testing.assert_array_equal(one.first_crossing[k], many.first_crossing[k])
        assert one.claims["probability"].tolist() == many.claims["probability"].tolist()


def test_a_failing_worker_is_reported(baseline, monkeypatch):
    # The thread with the second block fails on day 5: the error must reach the caller, not hang.
    from sim import kernel

    run_days = kernel.run_days

    def failing(state, lo, hi, d0, d1, *rest):
        if lo == 1000 and d1 > 5:
            raise ArithmeticError("broken on day 5")
        run_days(state, lo, hi, d0, d1, *rest)

    monkeypatch.setattr(kernel, "run_days", failing)
    with pytest.raises(ArithmeticError, match="broken on day 5"):
        sim.run(baseline, reps=2000, seed=1, workers=2)
