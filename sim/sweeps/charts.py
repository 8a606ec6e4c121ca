"""Charts of a sweep (matplotlib), written as PNG files: each design's own (tornado, heatmap,
Sobol indices, Morris mu*/sigma, in its module in :mod:`sim.sweeps.designs`) and scatter plots
of an output against each parameter (:mod:`sim.sweeps.figures`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from .designs import design
from .frame import settings


def write_plots(frame: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write the charts of the sweep's design as PNG files into ``out_dir``; returns them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    files: list[Path] = []
    for name, draw in design(settings(frame)["design"]).charts(frame):
        fig = draw()
        files.append(atomic_write(out_dir / name, partial(_save_png, fig)))
        plt.close(fig)
    return files


def _save_png(fig, path: Path) -> None:
    fig.savefig(path, dpi=110, format="png")
