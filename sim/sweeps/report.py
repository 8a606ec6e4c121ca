"""Writing a finished sweep's analysis into its folder: tables, charts and a JSON summary."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_text
from .analysis import analyze


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values (NaN as null)."""
    return [
        {
            k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
            for k, v in row.items()
        }
        for row in table.to_dict("records")
    ]


def write_report(
    frame: pd.DataFrame, out: str | Path, plot: bool = True, tables: dict[str, pd.DataFrame] | None = None
) -> list[Path]:
    """Write ``points.csv``, the analysis tables (``tornado.csv``, ``grid.csv``, ``sobol.csv``,
    ``morris.csv`` or ``correlation.csv``), the charts and ``summary.json`` into ``out``.

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
    summary: dict[str, Any] = {"scenario": sw["scenario"]["name"]}
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
    summary["analysis"] = {name: _records(t) for name, t in tables.items()}
    summary["files"] = sorted(
        {p.name + "/" * p.is_dir() for p in out.iterdir() if not p.name.startswith(".")} | {"summary.json"}
    )
    files.append(atomic_text(out / "summary.json", json.dumps(summary, indent=2) + "\n"))
    return files
