"""The registry of random streams: one key per use, collisions refused."""

import numpy as np
import pytest

from sim import streams


def test_root_keys_are_unique_and_refused_when_repeated():
    assert len(set(streams.ROOT_KEYS.values())) == len(streams.ROOT_KEYS)
    with pytest.raises(ValueError, match="share the key"):
        streams._check_unique({"a": (3,), "b": (3,)})


def test_parameter_paths_on_one_stream_are_refused():
    # "plumless" and "buckeroo" are a known CRC-32 collision: they would draw the same numbers.
    with pytest.raises(ValueError, match="share a random stream"):
        streams.param_keys(["plumless", "buckeroo"])
    assert set(streams.param_keys(["postures.combat.daily_rate", "casualties.killed"])) == {
        "postures.combat.daily_rate",
        "casualties.killed",
    }


def test_named_streams_are_distinct_and_reproducible():
    draws = {name: streams.generator(7, name).random(4) for name in streams.ROOT_KEYS}
    assert len({tuple(d) for d in draws.values()}) == len(draws)
    np.testing.assert_array_equal(streams.generator(7, "posterior.rows").random(4), draws["posterior.rows"])
    daily = streams.daily(7, 0)
    assert daily.dtype == np.uint64 and np.array_equal(daily, streams.daily(7, 0))
    assert not np.array_equal(daily, streams.daily(7, 1))
    parameter_words = streams.parameter(7, 0, 0).bit_generator.seed_seq.generate_state(4, np.uint64)
    assert not np.array_equal(daily, parameter_words)
