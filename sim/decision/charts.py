"""The break-even chart: each assumption's range as a bar, coloured by whether the claim holds
there, with its break-even and the scenario's own value marked; and the chart of scenario
discovery.  Colours are :mod:`sim.chartstyle`'s: a verdict's colour is the claims chart's, the
scenario's own value has the model's."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import textwrap

import pandas as pd

from .. import chartstyle as style
from ..claims import verdict
from ..domains import value_text


def breakeven_chart(frame: pd.DataFrame, claim: str, start: dt.date, title: str | None = None):
    """One row per assumption (as :func:`sim.decide` returns them, closest first): its
    range from left to right, green where the claim holds, red where it fails, grey in the
    toss-up between; a black tick at the break-even with its 90% interval, a blue diamond at the
    scenario's value.  Returns the figure."""
    import matplotlib.pyplot as plt

    n = len(frame)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.55 * n), layout="constrained")
    for i, row in enumerate(frame.itertuples(index=False)):
        y = n - 1 - i
        span = row.high - row.low or 1.0

        def at(x: float, low: float = row.low, span: float = span) -> float:
            return (x - low) / span

        if math.isfinite(row.break_even):
            ends = sorted(x for x in (row.at_one_third, row.at_two_thirds) if math.isfinite(x))
            cuts = [0.0, *(at(x) for x in ends), 1.0]
            sides = {
                4: (row.p_at_low, 0.5, row.p_at_high),
                3: (row.p_at_low, row.p_at_high),
                2: ((row.p_at_low + row.p_at_high) / 2,),
            }[len(cuts)]
            for (a, b), p in zip(itertools.pairwise(cuts), sides, strict=True):
                ax.barh(y, b - a, left=a, height=0.5, color=style.VERDICTS[verdict(p)])
            lo, hi = row.break_even_q05, row.break_even_q95
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot([at(lo), at(hi)], [y, y], color=style.BLACK, lw=3, solid_capstyle="butt")
            ax.plot([at(row.break_even)] * 2, [y - 0.32, y + 0.32], color=style.BLACK, lw=1.6)
            ax.text(at(row.break_even), y + 0.36, value_text(row.param, row.break_even, start), ha="center", fontsize=7)
        else:
            p = (row.p_at_low + row.p_at_high) / 2
            ax.barh(y, 1.0, left=0.0, height=0.5, color=style.VERDICTS[verdict(p)], alpha=0.4)
        if math.isfinite(row.scenario_value):
            ax.plot(at(row.scenario_value), y, "D", color=style.MODEL, ms=6, mec=style.HOLLOW)
        ax.text(-0.01, y, value_text(row.param, row.low, start), ha="right", va="center", fontsize=7)
        ax.text(1.01, y, value_text(row.param, row.high, start), ha="left", va="center", fontsize=7)
    ax.set_yticks(range(n), list(frame["param"])[::-1], fontsize=8)
    ax.set_xlim(-0.22, 1.22)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        title
        or f"What decides {claim}: each assumption across its range\n(green: the claim holds, red: it fails, "
        "grey: toss-up; black: the break-even and its 90% interval; diamond: the scenario's value)",
        fontsize=9,
        loc="left",
    )
    return fig


def discovery_chart(trajectory: pd.DataFrame, box: pd.DataFrame, title: str | None = None):
    """Two panels: the peeling trajectory's trade-off (coverage against density, the chosen box
    marked), and the chosen box (each assumption it narrows: the swept range, the box's part
    filled).  The box and its mark have the colour of the verdict the box is for: green where the
    claim holds (``box.attrs["holds"]``, true when absent), red where it fails.  Returns
    the figure."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, max(4.5, 1.8 + 0.5 * len(box))), layout="constrained", width_ratios=(1, 1.3)
    )
    holds = bool(box.attrs.get("holds", True))
    colour = style.VERDICTS["holds" if holds else "fails"]
    left.plot(trajectory["coverage"], trajectory["density"], "o-", color=style.BLACK, ms=3, lw=1)
    chosen = trajectory[trajectory["chosen"]]
    left.plot(chosen["coverage"], chosen["density"], "o", color=colour, ms=9, mfc="none", mew=2, label="chosen")
    left.set_xlabel("coverage (share of the points of interest inside the box)")
    left.set_ylabel("density (share of the box's points\nthat are of interest)")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.grid(alpha=0.25)
    left.legend(frameon=False, fontsize=8)
    left.set_title("peeling: coverage against density", fontsize=9, loc="left")
    for i, row in enumerate(box.itertuples(index=False)):
        y = len(box) - 1 - i
        span = row.swept_high - row.swept_low or 1.0
        right.barh(y, 1.0, left=0.0, height=0.5, color=style.RANGE)
        a, b = (row.low - row.swept_low) / span, (row.high - row.swept_low) / span
        right.barh(y, b - a, left=a, height=0.5, color=colour)
        right.text(-0.01, y, f"{row.swept_low:.4g}", ha="right", va="center", fontsize=7)
        right.text(1.01, y, f"{row.swept_high:.4g}", ha="left", va="center", fontsize=7)
        right.text((a + b) / 2, y + 0.33, f"{row.low:.4g} to {row.high:.4g}", ha="center", fontsize=7)
    right.set_yticks(range(len(box)), list(box["param"])[::-1], fontsize=8)
    right.set_xlim(-0.15, 1.15)
    right.set_ylim(-0.7, max(len(box), 1) - 0.3)
    right.set_xticks([])
    words = "green: the claim holds there" if holds else "red: the claim fails there"
    right.set_title(f"the box ({words}) within the swept ranges (grey)", fontsize=9, loc="left")
    if title:
        fig.suptitle(textwrap.fill(title, 150), fontsize=9)
    return fig
