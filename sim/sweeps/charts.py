"""Charts of a sweep (matplotlib): tornado, heatmap, Sobol indices, Morris mu*/sigma, and
scatter plots of an output against each parameter.

Each ``plot_*`` function draws one output on one axes and returns the axes;
:func:`write_plots` draws every output of a sweep into PNG files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis as sa


def _axes(ax=None, size=(7.0, 4.0)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def plot_tornado(frame: pd.DataFrame, output: str | None = None, ax=None):
    """Bars from the output at each parameter's low end to its high end, largest swing on top;
    the vertical line is the baseline (every parameter at its middle)."""
    t = sa.tornado(frame, output)
    output = output or sa.output_columns(frame)[0]
    ax = _axes(ax)
    y = np.arange(len(t))[::-1]
    for yi, r in zip(y, t.itertuples(), strict=True):
        ax.barh(yi, r.at_low - r.baseline, left=r.baseline, color="#4c72b0", height=0.6)
        ax.barh(yi, r.at_high - r.baseline, left=r.baseline, color="#dd8452", height=0.6)
    ax.axvline(t["baseline"].iloc[0] if len(t) else 0, color="black", lw=1)
    ax.margins(x=0.05)
    ax.set_yticks(y, [f"{r.param}\n{_fmt(r.low)} \u2192 {_fmt(r.high)}" for r in t.itertuples()], fontsize=8)
    ax.set_xlabel(output)
    ax.set_title("One at a time: blue at the low end, orange at the high end", fontsize=9)
    return ax


def plot_heatmap(frame: pd.DataFrame, output: str | None = None, x: str | None = None,
                 y: str | None = None, ax=None):
    """The output over a grid of two parameters (averaged over any others), with its values."""
    table = sa.grid_table(frame, output, x, y)
    output = output or sa.output_columns(frame)[0]
    ax = _axes(ax, (6.5, 5.0))
    im = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [_fmt(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [_fmt(v) for v in table.index], fontsize=8)
    ax.set_xlabel(table.columns.name)
    ax.set_ylabel(table.index.name)
    if table.size <= 144:
        mid = np.nanmean(table.to_numpy())
        for (i, j), v in np.ndenumerate(table.to_numpy()):
            ax.text(j, i, _fmt(v), ha="center", va="center", fontsize=7,
                    color="white" if v < mid else "black")
    ax.figure.colorbar(im, ax=ax, label=output)
    others = [p for p in sa.parameters(frame) if p not in (table.columns.name, table.index.name)]
    if others:
        ax.set_title(f"averaged over {', '.join(others)}", fontsize=9)
    return ax


def plot_sobol(frame: pd.DataFrame, output: str | None = None, ax=None):
    """First-order and total Sobol' indices with their confidence intervals."""
    t = sa.sobol_indices(frame, output)
    output = output or sa.output_columns(frame)[0]
    ax = _axes(ax)
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="first order (S1)", color="#4c72b0")
    ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="total (ST)", color="#dd8452")
    ax.set_xticks(x, t["param"], rotation=20, ha="right", fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("share of variance")
    ax.set_title(output, fontsize=9)
    ax.legend(fontsize=8)
    return ax


def plot_morris(frame: pd.DataFrame, output: str | None = None, ax=None):
    """Morris mu* (influence) against sigma (non-linearity, interactions), mu* with its
    confidence interval."""
    t = sa.morris_indices(frame, output)
    output = output or sa.output_columns(frame)[0]
    ax = _axes(ax, (6.0, 4.5))
    ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o", capsize=3, color="#4c72b0")
    for r in t.itertuples():
        ax.annotate(r.param, (r.mu_star, r.sigma), fontsize=7, xytext=(4, 4), textcoords="offset points")
    lim = max(float(t["mu_star"].max() + t["mu_star_conf"].max()), float(t["sigma"].max()), 1e-12) * 1.1
    ax.plot([0, lim], [0, lim], ls=":", color="grey", lw=0.8)
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel(f"mu* ({output} per full-range step)")
    ax.set_ylabel("sigma")
    ax.set_title(output, fontsize=9)
    return ax


def plot_scatter(frame: pd.DataFrame, output: str | None = None, axes=None):
    """The output at each point against each parameter, one panel per parameter."""
    output = output or sa.output_columns(frame)[0]
    params = sa.parameters(frame)
    if axes is None:
        import matplotlib.pyplot as plt

        cols = min(4, len(params))
        rows = -(-len(params) // cols)
        fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), layout="constrained",
                                 squeeze=False)
        axes = grid.ravel()
        for ax in axes[len(params):]:
            ax.set_visible(False)
        fig.suptitle(output, fontsize=9)
    for ax, p in zip(axes, params, strict=False):
        ax.scatter(frame[p], frame[output], s=6, alpha=0.6)
        ax.set_xlabel(p, fontsize=8)
    return axes


_KINDS = {"oat": ("tornado", plot_tornado), "grid": ("heatmap", plot_heatmap),
          "sobol": ("sobol", plot_sobol), "morris": ("morris", plot_morris)}


def write_plots(frame: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write the sweep's charts as PNG files into ``out_dir``: one file for the design's chart
    (a panel per output) and, for sampling designs, a scatter file per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..outputs import atomic_write

    out_dir = Path(out_dir)
    sw = sa.settings(frame)
    outs = sa.output_columns(frame)
    files: list[Path] = []

    def save(fig, name: str) -> None:
        files.append(atomic_write(out_dir / name, lambda p: fig.savefig(p, dpi=110, format="png")))
        plt.close(fig)

    kind = _KINDS.get(sw["design"])
    if kind is not None and not (sw["design"] == "grid" and len(sw["params"]) < 2):
        name, fn = kind
        cols = min(2, len(outs))
        rows = -(-len(outs) // cols)
        fig, grid = plt.subplots(rows, cols, figsize=(7.5 * cols, 4.2 * rows + 0.4 * len(sw["params"])),
                                 layout="constrained", squeeze=False)
        for ax, o in zip(grid.ravel(), outs, strict=False):
            fn(frame, o, ax=ax)
            if name != "sobol" and name != "morris":
                ax.set_title(f"{o}\n{ax.get_title()}".strip(), fontsize=9)
        for ax in grid.ravel()[len(outs):]:
            ax.set_visible(False)
        save(fig, f"{name}.png")
    if sw["design"] in ("lhs", "sobol", "morris") or (sw["design"] == "grid" and len(sw["params"]) < 2):
        for i, o in enumerate(outs):
            axes = plot_scatter(frame, o)
            save(axes[0].figure, f"scatter-{i + 1}.png")
    return files
