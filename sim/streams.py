"""The registry of random streams: every random number in the package comes from a
``SeedSequence(seed, spawn_key=KEY)`` whose key is made here, so no two uses can share a
stream by accident.

- Engine streams are per block of :data:`BLOCK` replications (:func:`blocks_for`):
  ``(block, 0)`` for the daily draws and ``(block, 1, crc32(path))`` for each parameter
  (common random numbers: the same path draws the same values in any scenario run with the
  same seed).  :func:`param_keys` refuses two paths whose keys collide.
- Other uses have one named root key each (:data:`ROOT_KEYS`); a new use adds a name here, and
  the import-time check refuses a key given twice.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np

#: Replications per random-number block (the unit of reproducibility).
BLOCK = 1000
#: Second element of an engine block's key.
DAILY, PARAMETER = 0, 1

#: Streams outside the engine, by what they are for.
ROOT_KEYS: dict[str, tuple[int, ...]] = {
    "calibration.sampler": (3,),
    "calibration.start": (4,),
    "calibration.predictive": (5,),
    "decide.bootstrap": (6,),
    "score.reports": (7,),
    "reference.replication": (2**30,),
    "posterior.rows": (2**31,),
}


def _check_unique(keys: dict[str, tuple[int, ...]]) -> None:
    seen: dict[tuple[int, ...], str] = {}
    for name, key in keys.items():
        if key in seen:
            raise ValueError(f"random streams {seen[key]!r} and {name!r} share the key {key}")
        seen[key] = name


_check_unique(ROOT_KEYS)


def sequence(seed: int, name: str, *extra: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of the named stream (``extra`` extends its key, e.g. a replication)."""
    return np.random.SeedSequence(seed, spawn_key=(*ROOT_KEYS[name], *extra))


def generator(seed: int, name: str, *extra: int) -> np.random.Generator:
    """A ``Generator`` on the named stream."""
    return np.random.default_rng(sequence(seed, name, *extra))


def blocks_for(reps: int) -> list[tuple[int, int]]:
    """``(block index, replications in it)`` for ``reps`` replications."""
    return [(b, min(BLOCK, reps - b * BLOCK)) for b in range(-(-reps // BLOCK))]


def stream(seq: np.random.SeedSequence) -> np.ndarray:
    """The state of a compiled random stream (four ``uint64`` words of xoshiro256++, see
    :mod:`sim.samplers`) seeded from ``seq``."""
    state = seq.generate_state(4, np.uint64)
    if not state.any():  # the one state xoshiro cannot leave; probability 2**-256
        state[0] = 1
    return state


def daily(seed: int, block: int) -> np.ndarray:
    """The engine's daily draws for one block of replications: the state of a compiled random
    stream (:func:`stream`)."""
    return stream(np.random.SeedSequence(seed, spawn_key=(block, DAILY)))


def param_key(path: str) -> int:
    """The stream key of a parameter, from its field path."""
    return zlib.crc32(path.encode())


def param_keys(paths: Iterable[str]) -> dict[str, int]:
    """Stream keys of parameter paths; two paths with one key would draw the same numbers."""
    keys: dict[int, str] = {}
    for path in paths:
        key = param_key(path)
        if key in keys and keys[key] != path:
            raise ValueError(f"parameters {keys[key]!r} and {path!r} share a random stream (key {key})")
        keys[key] = path
    return {p: k for k, p in keys.items()}


def parameter(seed: int, block: int, key: int) -> np.random.Generator:
    """One parameter's draws for one block of replications."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, PARAMETER, key)))


class Streams:
    """The engine's random streams for a batch of blocks of replications: the draws of block
    ``b`` come only from its own streams, so results do not depend on how blocks are batched."""

    def __init__(self, seed: int, blocks: Sequence[tuple[int, int]]):
        self.seed = seed
        self.blocks = list(blocks)
        self.states = [daily(seed, b) for b, _ in blocks]
        edges = np.cumsum([0] + [n for _, n in blocks])
        self.slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]
        self.reps = int(edges[-1])

    def param(self, path: str, draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
        """A per-replication parameter, from a stream named by its path (common random
        numbers: the same path draws the same values in any scenario with the same seed)."""
        key = param_key(path)
        return np.concatenate([draw(parameter(self.seed, b, key), n) for b, n in self.blocks])
