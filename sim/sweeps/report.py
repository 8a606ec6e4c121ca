"""Writing a finished sweep's analysis into its folder: tables, charts and a JSON summary."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_text
from .analysis import analyze
from .frame import output_columns, output_values
from .scalars import UNITS, OutputSpecError, parse_output
from .spec import provenance


def _plain(v: Any) -> Any:
    """A value as plain JSON: NaN as null, a date in ISO form, numpy scalars as Python's."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values (NaN as null)."""
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def output_notes(frame: pd.DataFrame) -> dict[str, str]:
    """What to know of each output that needs a word: no variation, or censored points."""
    notes = {}
    for o in output_columns(frame):
        info = output_values(frame, o)
        note = info.no_variation() or info.censored_note()
        if note:
            notes[o] = note
    return notes


def units(frame: pd.DataFrame) -> dict[str, dict[str, str | None]]:
    """Every output column's unit and description (as the Parquet fields' metadata holds them)."""
    out = {}
    for o in output_columns(frame):
        try:
            fields = parse_output(o).fields
        except OutputSpecError:  # a column the sweep does not describe
            continue
        for c in fields:
            out[c.name] = {"unit": c.unit, "unit_means": UNITS.get(c.unit or ""), "description": c.description}
    return out


def write_report(
    frame: pd.DataFrame, out: str | Path, plot: bool = True, tables: dict[str, pd.DataFrame] | None = None
) -> list[Path]:
    """Write ``points.csv``, the analysis tables (``tornado.csv``, ``grid.csv``, ``sobol.csv``,
    ``morris.csv`` or ``correlation.csv``), the charts and ``summary.json`` into ``out``.

    ``summary.json`` holds the sweep's provenance (the scenario's SHA-256, seed, replications,
    design, version), each output column's unit, a note on each output that does not vary or
    has censored points (a median day after the end), and the analysis tables.  In
    ``points.csv`` a median day after the end is empty, with ``median_crossed:<threshold>``
    False.

    Parameters
    ----------
    frame : DataFrame
        A sweep's points, as :func:`sim.sweep` returns them.
    out : path
        The sweep's folder.
    plot : bool
        Also draw the charts (see :func:`sim.sweeps.charts.write_plots`).
    tables : dict, optional
        The result of :func:`sim.sweeps.analysis.analyze`, if already computed.

    Returns
    -------
    list of Path
        The files written, each atomically.
    """
    out = Path(out)
    tables = analyze(frame) if tables is None else tables
    files = [atomic_text(out / "points.csv", frame.to_csv(index=False, float_format="%.6g"))]
    for name, table in tables.items():
        files.append(atomic_text(out / f"{name}.csv", table.to_csv(index=False, float_format="%.6g")))
    if plot:
        from .charts import write_plots

        files += write_plots(frame, out)
    sw = frame.attrs["sweep"]
    summary: dict[str, Any] = {"scenario": sw["scenario"]["name"], "provenance": provenance(sw)}
    summary.update(
        {
            k: sw[k]
            for k in (
                "design",
                "n",
                "levels",
                "second_order",
                "reps",
                "seed",
                "batch_points",
                "points",
                "batches",
                "params",
                "outputs",
                "version",
            )
        }
    )
    summary["points_done"] = len(frame)
    summary["units"] = units(frame)
    summary["notes"] = output_notes(frame)
    summary["analysis"] = {name: _records(t) for name, t in tables.items()}
    summary["files"] = sorted(
        {p.name + "/" * p.is_dir() for p in out.iterdir() if not p.name.startswith(".")} | {"summary.json"}
    )
    files.append(atomic_text(out / "summary.json", json.dumps(summary, indent=2) + "\n"))
    return files
