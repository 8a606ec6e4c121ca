"""Reading a sweep's frame: the settings, parameters and outputs the analyses work from.

:func:`sim.sweep` returns one row per point and keeps the sweep's settings in
``frame.attrs["sweep"]`` (:func:`sim.sweeps.execution.load_sweep` reads them back from the
folder); every analysis and chart reads the frame through these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


class AnalysisError(ValueError):
    """The sweep does not support the analysis asked for; the message says why."""


def settings(frame: pd.DataFrame) -> dict[str, Any]:
    """The sweep's settings, as :func:`sim.sweep` stores them in ``frame.attrs``."""
    sw = frame.attrs.get("sweep")
    if not sw:
        raise AnalysisError(
            "the frame carries no sweep settings (attrs['sweep']); "
            "use the frame sim.sweep returns or sim.sweeps.execution.load_sweep reads"
        )
    return sw


def output_columns(frame: pd.DataFrame) -> list[str]:
    """The sweep's numeric outputs, in order."""
    return list(settings(frame)["outputs"])


def parameters(frame: pd.DataFrame) -> list[str]:
    """The swept parameters' paths, in order."""
    return list(settings(frame)["params"])


def pick_output(frame: pd.DataFrame, output: str | None) -> str:
    """The output column ``output`` names, checked [default: the first output]."""
    outs = output_columns(frame)
    if output is None:
        return outs[0]
    if output not in outs:
        raise AnalysisError(f"no output {output!r} in this sweep; outputs: {', '.join(outs)}")
    return output


def by_output(frame: pd.DataFrame, analysis: Callable[[pd.DataFrame, str], pd.DataFrame]) -> pd.DataFrame:
    """``analysis(frame, output)`` for every output, stacked into one tidy frame with an
    ``output`` column first."""
    parts = [analysis(frame, o).assign(output=o) for o in output_columns(frame)]
    for part in parts:
        # pandas compares the parts' attrs when stacking them, and frames there (Sobol's S2) cannot be compared.
        part.attrs = {}
    table = pd.concat(parts, ignore_index=True)
    return table[["output", *[c for c in table.columns if c != "output"]]]
