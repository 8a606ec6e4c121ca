"""Tier 3: invariants over random scenarios (hypothesis)."""

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.measures import QUANTILES, int_quantiles
from sim.rates import probability_from_rate, rate_from_probability
from sim.rules import from_data

START = dt.date(2025, 1, 1)
POSTURES = ["training", "rear", "combat", "withdrawn"]


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


share = st.floats(0, 1)
delays = st.one_of(
    st.integers(1, 6),
    st.integers(1, 9).flatmap(lambda m: st.fixed_dictionaries({"mean": st.just(m), "min": st.integers(0, m)})),
)


@st.composite
def scenarios(draw):
    days = draw(st.integers(10, 70))
    n_units = draw(st.integers(1, 3))
    units = [
        {"name": f"u{i}", "arrive": day(draw(st.integers(0, days - 1))), "size": draw(st.integers(0, 3000))}
        for i in range(n_units)
    ]
    phases = [
        {
            "from": day(draw(st.integers(0, days - 1))),
            "posture": draw(st.sampled_from(POSTURES)),
            **({"units": [f"u{draw(st.integers(0, n_units - 1))}"]} if draw(st.booleans()) else {}),
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    postures = {}
    for p in POSTURES:
        law = draw(st.sampled_from(["rate", "count", "none"]))
        if law == "rate":
            postures[p] = {"daily_rate": draw(st.one_of(st.floats(0, 0.2), st.just({"uniform": [0.0, 0.1]})))}
        elif law == "count":
            noise = draw(st.sampled_from(["poisson", "none", "negative_binomial"]))
            postures[p] = {
                "per_day": draw(st.floats(0, 400)),
                "noise": noise,
                **({"dispersion": draw(st.floats(0.1, 10))} if noise == "negative_binomial" else {}),
            }
        else:
            postures[p] = {}
    killed = draw(share)
    rtd = draw(share)
    mean = draw(st.integers(1, 30))
    data = {
        "name": "random",
        "start": day(0),
        "end": day(days - 1),
        "units": units,
        "initial_posture": draw(st.sampled_from(POSTURES)),
        "phases": phases,
        "postures": postures,
        "casualties": {"killed": killed, "missing": draw(st.floats(0, 1 - killed))},
        "wounded": {
            "return_to_duty": rtd,
            "died_of_wounds": draw(st.floats(0, 1 - rtd)),
            "recovery_days": {"mean": mean, "min": draw(st.integers(0, mean))},
            **{k: draw(delays) for k in ("died_of_wounds_days", "evacuation_days") if draw(st.booleans())},
        },
        "disease": {
            "daily_rate": draw(st.floats(0, 0.05)),
            "return_to_duty": draw(share),
            "recovery_days": {"mean": draw(st.integers(1, 10))},
        },
    }
    if draw(st.booleans()):
        arrived = (dt.date.fromisoformat(units[0]["arrive"]) - START).days  # a unit leaves after it arrives
        data["rotations"] = [
            {
                "unit": "u0",
                "leave": day(draw(st.integers(arrived, days - 1))),
                "lead_days": draw(st.integers(0, 10)),
                "size": draw(st.integers(0, 3000)),
                **({"every_days": draw(st.integers(1, 20))} if draw(st.booleans()) else {}),
            }
        ]
    if draw(st.booleans()):
        data["policy"] = [
            {
                "name": "top-up",
                "when": {"measure": "effective", "below": draw(st.floats(0, 1)), "of": "peak_effective"},
                "send": draw(st.integers(0, 1000)),
                "delay_days": draw(st.integers(0, 10)),
            }
        ]
        if draw(st.booleans()):
            data["reserve"] = draw(st.integers(0, 3000))
    return from_data(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(), seed=st.integers(0, 2**32))
def test_conservation_to_the_person(s, seed):
    """Every person who arrived is in exactly one place, every day, in every replication."""
    r = sim.run(s, reps=7, seed=seed, keep_trajectories=True)
    t = r.trajectories
    places = (
        t["effective"]
        + t["wounded_in_care"]
        + t["sick_in_care"]
        + t["killed"]
        + t["died_of_wounds"]
        + t["evacuated"]
        + t["missing"]
        + t["rotated_out"]
    )
    assert (places == t["arrived"]).all()
    for m in sim.MEASURES:
        assert (t[m] >= 0).all(), m
    for m in (
        "arrived",
        "killed",
        "wounded",
        "missing",
        "casualties",
        "died_of_wounds",
        "evacuated",
        "permanent_losses",
        "returned_to_duty",
        "rotated_out",
    ):
        assert (np.diff(t[m], axis=1) >= 0).all(), f"{m} is cumulative"
    assert (t["casualties"] == t["killed"] + t["wounded"] + t["missing"]).all()
    assert (t["deployed"] == t["arrived"] - t["rotated_out"]).all()


@settings(max_examples=25, deadline=None)
@given(s=scenarios(), seed=st.integers(0, 2**32))
def test_quantiles_from_stream_equal_quantiles_from_trajectories(s, seed):
    """Day-by-day quantiles (no trajectories kept) equal those computed from all trajectories."""
    streamed = sim.run(s, reps=9, seed=seed)
    kept = sim.run(s, reps=9, seed=seed, batch_blocks=1)
    np.testing.assert_allclose(streamed.q, kept.q)
    np.testing.assert_allclose(streamed.mean, kept.mean)


@given(values=st.lists(st.integers(0, 20_000), min_size=1, max_size=300))
def test_counting_quantiles_equal_numpy_quantiles(values):
    """The counting quantiles used for large batches are numpy's linear quantiles exactly."""
    v = np.asarray(values, dtype=np.int64)
    np.testing.assert_allclose(int_quantiles(v), np.quantile(v, QUANTILES), rtol=0, atol=1e-9)


@given(rate=st.floats(0, 5))
def test_rate_and_probability_round_trip(rate):
    p = probability_from_rate(rate)
    assert 0 <= p < 1
    assert abs(rate_from_probability(p) - rate) <= 1e-9 * max(1.0, rate)
