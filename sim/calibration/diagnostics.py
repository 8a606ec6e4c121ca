"""The chain as an ArviZ ``InferenceData``, and its convergence diagnostics (ESS, R-hat).

emcee's walkers are ArviZ's chains and the kept steps (after burn-in) its draws, as
``arviz.from_emcee`` would have it.  Ensemble walkers are not independent chains: each moves
along lines through the others, so R-hat across walkers, and the ESS that treats walkers as
chains, are rough guides rather than the guarantees they are for independent chains.

ArviZ is imported on first use (:func:`import_arviz`): it takes seconds to load and
``import sim`` or ``simulate.py --help`` never need it.
"""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import arviz

#: The notice ArviZ (0.22 and up) gives once a day on import, as a FutureWarning, about its
#: coming refactor: nothing a user of this tool can act on.
_REFACTOR_NOTICE = r"\s*ArviZ is undergoing a major refactor"

#: ArviZ's shortest chain for ESS and R-hat: with fewer kept steps they are not computed.
MIN_DRAWS = 4

#: Names a parameter's variable may not take (ArviZ's dimensions).
_RESERVED = {"chain", "draw"}


def import_arviz():
    """``arviz``, imported without its refactor notice (only that FutureWarning is hidden)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_REFACTOR_NOTICE, category=FutureWarning)
        import arviz

    return arviz


def variable_names(paths: list[str]) -> dict[str, str]:
    """Field path -> ArviZ variable name: the path itself (dots are allowed), except that a
    ``/`` (the group separator of netCDF-4 files, possible in unit names) becomes ``|``, which no
    path contains; a clash with a dimension name or another variable gets a numeric suffix."""
    out: dict[str, str] = {}
    taken = set(_RESERVED)
    for path in paths:
        name = base = path.replace("/", "|")
        k = 1
        while name in taken:
            k += 1
            name = f"{base}~{k}"
        out[path] = name
        taken.add(name)
    return out


def _attr(value: Any) -> Any:
    """An attribute netCDF can store: strings and numbers as they are, anything else (lists,
    booleans, None) as JSON text."""
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return json.dumps(value, default=str)


def build_inference_data(
    chain: np.ndarray, log_prob: np.ndarray, burn: int, paths: list[str], info: dict[str, Any]
) -> arviz.InferenceData:
    """The kept steps of ``chain (steps, walkers, d)`` as an ``InferenceData``.

    ``posterior``: one variable per fitted parameter (see :func:`variable_names`), dims
    ``(chain, draw)`` = ``(walkers, kept steps)``, ``draw`` numbered by step as in
    ``posterior.parquet``.  ``sample_stats``: ``lp``, the log posterior density (up to a
    constant).  Both groups carry ``info`` (scenario, seed, sampler settings...; lists as JSON
    text), ``parameter_paths`` (variable -> field path, JSON) and ``inference_library``.
    """
    az = import_arviz()
    names = variable_names(paths)
    kept = np.asarray(chain[burn:], dtype=float)
    steps = np.arange(burn, burn + kept.shape[0])
    attrs = {k: _attr(v) for k, v in info.items()}
    attrs["parameter_paths"] = json.dumps({names[p]: p for p in paths})
    attrs["inference_library"] = "emcee"
    attrs["chains_are"] = "emcee walkers (not independent: R-hat and ESS are rough guides)"
    with warnings.catch_warnings():
        # ArviZ warns when there are more chains than draws, taking it for swapped axes; with an
        # ensemble sampler many walkers and a short chain are normal.
        warnings.filterwarnings("ignore", message=r"More chains \(\d+\) than draws", category=UserWarning)
        return az.from_dict(
            posterior={names[p]: kept[:, :, j].T for j, p in enumerate(paths)},
            sample_stats={"lp": np.asarray(log_prob[burn:], dtype=float).T},
            coords={"draw": steps},
            posterior_attrs=attrs,
            sample_stats_attrs=attrs,
        )


def convergence(idata: arviz.InferenceData, paths: list[str]) -> dict[str, dict[str, float | None]]:
    """Per field path: ``ess_bulk`` and ``ess_tail`` (``arviz.ess``) and ``r_hat``
    (``arviz.rhat``, rank-normalised split R-hat) across walkers; ``None`` where ArviZ cannot
    give a number (fewer than :data:`MIN_DRAWS` kept steps, or a walker that never moved)."""
    names = variable_names(paths)
    empty: dict[str, float | None] = {"ess_bulk": None, "ess_tail": None, "r_hat": None}
    if idata.posterior.sizes["draw"] < MIN_DRAWS:
        return {p: dict(empty) for p in paths}
    az = import_arviz()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant chain: 0/0 in R-hat
        found = {
            "ess_bulk": az.ess(idata, method="bulk"),
            "ess_tail": az.ess(idata, method="tail"),
            "r_hat": az.rhat(idata),
        }
    out = {}
    for p in paths:
        row = {}
        for k, ds in found.items():
            x = float(ds[names[p]].values)
            row[k] = x if np.isfinite(x) else None
        out[p] = row
    return out
