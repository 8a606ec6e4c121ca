"""Matplotlib figures: fan chart of a measure, and the probability of crossing by each date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from .claims import VERDICT_COLOURS
from .measures import QUANTILE_COLUMNS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .results import Result

BAND = "#3b6ea8"
SAMPLE = "#555555"


def _axes(ax: Axes | None, size=(10, 5.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _finish(ax: Axes, ylabel: str, title: str, legend: bool = True, fontsize: float = 8, counts: bool = False) -> Axes:
    """The common end of a chart over dates: the y label and title, concise dates, a light
    grid, the legend; ``counts`` puts thousands separators on the y axis."""
    ax.set_ylabel(ylabel)
    if counts:
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_title(title)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.grid(alpha=0.25)
    if legend:
        ax.legend(loc="best", fontsize=fontsize, frameon=False)
    return ax


def _threshold_level(result: Result, name: str, measure: str, median: np.ndarray) -> float | None:
    """A horizontal line for a threshold on the plotted measure, where it has a fixed level."""
    cond = result.scenario.thresholds[name]
    if cond.measure != measure:
        return None
    if cond.of is None:
        return cond.value
    if cond.of == f"peak_{measure}":
        return cond.value * float(np.max(median))
    ref = cond.of.removeprefix("peak_")
    if ref in result.measures:
        i = result.measures.index(ref)
        series = result.q[i, :, 2]
        return cond.value * float(series.max() if cond.of.startswith("peak_") else series[-1])
    return None


def fan_chart(
    result: Result,
    measure: str = "effective",
    ax: Axes | None = None,
    *,
    n_samples: int = 5,
    estimates: pd.DataFrame | None = None,
    title: str | None = None,
) -> Axes:
    """Median, 50% and 90% bands, sample trajectories, phase and arrival markers, thresholds.

    ``estimates`` (optional) is a frame with ``date``, ``value``, ``low``, ``high`` and
    ``label`` columns, drawn as points with their ranges.
    """
    ax = _axes(ax)
    i = result.measures.index(measure)
    dates = pd.to_datetime(result.dates)
    q = result.q[i]
    col = {c: k for k, c in enumerate(QUANTILE_COLUMNS)}
    ax.fill_between(dates, q[:, col["q05"]], q[:, col["q95"]], color=BAND, alpha=0.18, lw=0, label="90% band")
    ax.fill_between(dates, q[:, col["q25"]], q[:, col["q75"]], color=BAND, alpha=0.35, lw=0, label="50% band")
    for k, path in enumerate(result.samples[measure][:n_samples]):
        ax.plot(dates, path, color=SAMPLE, lw=0.6, alpha=0.6, label="sample runs" if k == 0 else None)
    ax.plot(dates, q[:, col["q50"]], color=BAND, lw=2.2, label="median")
    ymax = max(float(q[:, col["q95"]].max()), 1.0)
    for d in result.phase_days:
        ax.axvline(dates[d], color="#999999", ls=":", lw=0.9)
    for k, d in enumerate(result.arrival_days):
        ax.axvline(dates[d], color="#2a9d55", ls="--", lw=0.9, alpha=0.8, label="arrival" if k == 0 else None)
    for name in result.scenario.thresholds:
        level = _threshold_level(result, name, measure, q[:, col["q50"]])
        if level is not None:
            ax.axhline(level, color="#c0392b", ls="--", lw=1.1)
            ax.text(dates[0], level, f" {name}", color="#c0392b", va="bottom", fontsize=8)
    if estimates is not None and len(estimates):
        est = estimates
        lo = (est["value"] - est["low"]).clip(lower=0)
        hi = (est["high"] - est["value"]).clip(lower=0)
        when = pd.to_datetime(est["date"])
        xerr = None
        if {"first", "last"} <= set(est.columns):  # figures dated by a span of days
            xerr = [when - pd.to_datetime(est["first"]), pd.to_datetime(est["last"]) - when]
        ax.errorbar(
            when, est["value"], yerr=[lo, hi], xerr=xerr, fmt="o", color="#d35400", ms=5, capsize=3, label="reported"
        )
    ax.set_ylim(bottom=0, top=ymax * 1.08)
    name = measure.replace("_", " ")
    return _finish(ax, name, title or f"{result.scenario.name}: {name} ({result.reps:,} runs)")


OPPONENT_BAND = "#b5651d"


def sides_chart(
    result: Result,
    ax: Axes | None = None,
    *,
    estimates: dict[str, pd.DataFrame] | None = None,
    title: str | None = None,
) -> Axes:
    """Both sides' people on duty: each side's median with its 50% and 90% bands, arrivals
    marked; ``estimates`` maps a measure (``effective``, ``opponent.effective``) to its reported
    figures (as :func:`fan_chart` takes them)."""
    from .scenario import opponent_measure

    ax = _axes(ax)
    dates = pd.to_datetime(result.dates)
    col = {c: k for k, c in enumerate(QUANTILE_COLUMNS)}
    opponent = result.scenario.opponent
    sides = [("effective", "the force" if opponent is None else result.scenario.name, BAND)]
    if opponent is not None:
        sides.append((opponent_measure("effective"), opponent.name, OPPONENT_BAND))
    for measure, label, colour in sides:
        q = result.q[result.measures.index(measure)]
        ax.fill_between(dates, q[:, col["q05"]], q[:, col["q95"]], color=colour, alpha=0.15, lw=0)
        ax.fill_between(dates, q[:, col["q25"]], q[:, col["q75"]], color=colour, alpha=0.3, lw=0)
        ax.plot(dates, q[:, col["q50"]], color=colour, lw=2.2, label=f"{label}: median, 50% and 90% bands")
        est = (estimates or {}).get(measure)
        if est is not None and len(est):
            lo = (est["value"] - est["low"]).clip(lower=0)
            hi = (est["high"] - est["value"]).clip(lower=0)
            ax.errorbar(
                pd.to_datetime(est["date"]),
                est["value"],
                yerr=[lo, hi],
                fmt="o",
                color=colour,
                mec="black",
                mew=0.5,
                ms=4.5,
                capsize=2,
                label=f"{label}: reported",
            )
    for k, d in enumerate(result.arrival_days):
        ax.axvline(dates[d], color="#2a9d55", ls="--", lw=0.9, alpha=0.8, label="arrival" if k == 0 else None)
    ax.set_ylim(bottom=0)
    title = title or f"{result.scenario.name}: both sides on duty ({result.reps:,} runs)"
    return _finish(ax, "people on duty", title, counts=True)


def crossing_chart(
    result: Result, ax: Axes | None = None, *, marks: dict[str, object] | None = None, title: str | None = None
) -> Axes:
    """Probability of having crossed each threshold by each date; ``marks`` maps labels to
    dates drawn as vertical lines (e.g. a claim's date)."""
    ax = _axes(ax, (9, 4.5))
    frame = result.crossing
    for name, part in frame.groupby("threshold", sort=False):
        ax.plot(part["date"], part["probability"], lw=2, label=name)
    for label, when in (marks or {}).items():
        ax.axvline(pd.Timestamp(when), color="#c0392b", ls="--", lw=1)
        ax.text(pd.Timestamp(when), 1.01, f" {label}", color="#c0392b", fontsize=8, rotation=0, va="bottom")
    ax.set_ylim(0, 1.05)
    _finish(ax, "probability crossed by date", title or f"{result.scenario.name}: thresholds crossed", len(frame) > 0)
    return ax


def claims_chart(frame: pd.DataFrame, title: str = "Which assumptions overturn which claim"):
    """One panel per claim: the probability it holds under each scenario, coloured by verdict,
    with the 0.33 and 0.66 cut-offs of the verdict words.  Returns the figure."""
    import matplotlib.pyplot as plt

    ids = list(dict.fromkeys(frame["id"]))
    sizes = [int((frame["id"] == i).sum()) for i in ids]
    fig, axes = plt.subplots(
        len(ids),
        1,
        figsize=(9, 1.2 + 0.32 * sum(sizes) + 0.6 * len(ids)),
        gridspec_kw={"height_ratios": sizes},
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, claim in zip(axes[:, 0], ids, strict=True):
        rows = frame[frame["id"] == claim].sort_values("probability")
        colours = [VERDICT_COLOURS.get(v, "#555555") for v in rows["verdict"]]
        ax.barh(rows["scenario"], rows["probability"], color=colours, height=0.6)
        ax.scatter(rows["probability"], rows["scenario"], color=colours, s=18, zorder=3, clip_on=False)
        for cut in (0.33, 0.66):
            ax.axvline(cut, color="#555555", ls=":", lw=0.8)
        ax.set_title(f"{claim}: {rows['who'].iloc[0]}", loc="left", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlim(0, 1)
        ax.grid(axis="x", alpha=0.25)
    axes[-1, 0].set_xlabel("probability the claim holds (green: holds, grey: toss-up, red: fails)")
    fig.suptitle(title, fontsize=11)
    return fig


def stories_chart(combined: pd.DataFrame, measure: str, until, estimates: pd.DataFrame | None = None, title=None):
    """The combined projection of several stories (the weighted runs' median and 50% and 90%
    bands), each story's own median given the reports as a thin line, the reports up to the
    cut-off as points, the cut-off as a vertical line.  Returns the Axes."""
    ax = _axes(None)
    dates = pd.to_datetime(combined["date"])
    ax.fill_between(dates, combined["q05"], combined["q95"], color=BAND, alpha=0.18, lw=0, label="combined: 90% band")
    ax.fill_between(dates, combined["q25"], combined["q75"], color=BAND, alpha=0.35, lw=0, label="combined: 50% band")
    ax.plot(dates, combined["q50"], color=BAND, lw=2.2, label="combined: median")
    for col in [c for c in combined.columns if c.startswith("q50:")]:
        ax.plot(dates, combined[col], lw=0.9, ls="--", label=f"{col[4:]} (median given the reports)")
    if estimates is not None and len(estimates):
        seen = estimates[pd.to_datetime(estimates["date"]) <= pd.Timestamp(until)]
        lo = (seen["value"] - seen["low"]).clip(lower=0)
        hi = (seen["high"] - seen["value"]).clip(lower=0)
        ax.errorbar(pd.to_datetime(seen["date"]), seen["value"], yerr=[lo, hi], fmt="o", color="#d35400", ms=5,
                    capsize=3, label="reported by the cut-off")  # fmt: skip
    ax.axvline(pd.Timestamp(until), color="#555555", ls=":", lw=1.2, label="cut-off")
    ax.set_ylim(bottom=0)
    name = measure.replace("_", " ")
    title = title or f"{name}: the stories combined by their evidence up to {until}"
    return _finish(ax, name, title, fontsize=7, counts=True)


HELD_OUT = "#c0392b"
SEEN = "#7f7f7f"


def _reports(ax: Axes, frame: pd.DataFrame, colour: str, marker: str, label: str) -> None:
    """Reports (``date, first, last, value, low, high, lower_bound``) as points with their
    ranges of figures and of days; a lower bound as an upward triangle."""
    if not len(frame):
        return
    when = pd.to_datetime(frame["date"])
    low, high = frame["low"].fillna(frame["value"]), frame["high"].fillna(frame["value"])
    xerr = [when - pd.to_datetime(frame["first"]), pd.to_datetime(frame["last"]) - when]
    yerr = [(frame["value"] - low).clip(lower=0), (high - frame["value"]).clip(lower=0)]
    bound = frame["lower_bound"].astype(bool).to_numpy()
    for part, m, text in ((~bound, marker, label), (bound, "^", f"{label}, more than")):
        if part.any():
            ax.errorbar(
                when[part],
                frame["value"][part],
                yerr=[yerr[0][part], yerr[1][part]],
                xerr=[xerr[0][part], xerr[1][part]],
                fmt=m,
                color=colour,
                mec="black",
                mew=0.5,
                ms=6,
                capsize=3,
                label=text,
                zorder=4,
            )


def score_chart(result: Result, scores: pd.DataFrame, reports: pd.DataFrame, after=None, title: str | None = None):
    """A projection scored against later reports: the fan chart of each scored measure with
    the scored (held-out) reports marked apart from the others and a line at the cut-off
    ``after``, and a panel with the histogram of the PITs (dashed: the count of a calibrated
    projection).  ``reports`` has one row per report of the scored measures within the run
    (``id, measure, date, first, last, value, low, high, lower_bound``).  Returns the figure."""
    import matplotlib.pyplot as plt

    measures = list(dict.fromkeys(scores["measure"]))
    fig, axes = plt.subplots(
        len(measures) + 1,
        1,
        figsize=(10, 4.2 * len(measures) + 3.2),
        gridspec_kw={"height_ratios": [4.2] * len(measures) + [3.2]},
        layout="constrained",
        squeeze=False,
    )
    scored = set(scores["id"])
    dates = pd.to_datetime(result.dates)
    end = min(dates[-1], pd.to_datetime(reports["last"]).max() + pd.Timedelta(days=45))
    shown = dates <= end
    for ax, measure in zip(axes[:-1, 0], measures, strict=True):
        fan_chart(result, measure, ax=ax, n_samples=3, title=f"{result.scenario.name}: {measure.replace('_', ' ')}")
        mine = reports[reports["measure"] == measure]
        held = mine["id"].isin(scored)
        seen_label = f"reported by {after} (not scored)" if after is not None else "reported, not scored"
        _reports(ax, mine[~held], SEEN, "o", seen_label)
        _reports(ax, mine[held], HELD_OUT, "D", "reported later (scored)" if after is not None else "reported (scored)")
        if after is not None:
            ax.axvline(pd.Timestamp(after), color="black", lw=1.2, ls="-.", label=f"cut-off {after}")
        i = result.measures.index(measure)
        q95 = result.q[i, shown, QUANTILE_COLUMNS.index("q95")]
        top = max(float(q95.max()), float(mine[["value", "high"]].max().max()), 1.0)
        ax.set_xlim(dates[0], end)
        ax.set_ylim(0, top * 1.1)
        for text in ax.texts:  # threshold labels beyond the shown range stay inside the panel
            text.set_clip_on(True)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.legend(loc="best", fontsize=7.5, frameon=False)
    ax = axes[-1, 0]
    pit = scores.loc[~scores["lower_bound"].astype(bool), "pit"].to_numpy(dtype=float)
    counts, edges = np.histogram(pit, bins=10, range=(0.0, 1.0))
    ax.bar(edges[:-1], counts, width=0.1, align="edge", color=HELD_OUT, alpha=0.7, edgecolor="black", lw=0.5)
    ax.axhline(len(pit) / 10, color="black", ls="--", lw=1, label="calibrated (even spread)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT: share of runs below the reported figure (0: far below the projection; 1: far above)")
    ax.set_ylabel("reports")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"PIT of the {len(pit)} scored reports", loc="left", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.suptitle(title or f"{result.scenario.name}: projection against later reports ({result.reps:,} runs)")
    return fig
