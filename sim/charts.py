"""Matplotlib figures: fan chart of a measure, both sides on duty, the probability of crossing
by each date, claims across scenarios, stories combined, a projection scored.

Every chart says what it draws in words: axes name the measure and its unit, thresholds are
drawn at the level they are tested at day by day, the postures of a side are named spans,
arrivals and departures are told apart, reported figures carry their reporter and their error,
and a measure that never varies says so.  Colours and measure words come from
:mod:`sim.chartstyle`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from . import chartstyle as style
from .claims import VERDICT_CUTS
from .measures import QUANTILE_COLUMNS, describe_condition
from .plan import _posture_table, compile_plan
from .rules import event_ranges
from .scenario import OPPONENT, SCALED, Scenario, opponent_measure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .results import Result

COL = {c: k for k, c in enumerate(QUANTILE_COLUMNS)}
#: Characters in a line of a legend.
LEGEND_WIDTH = 46
#: The probabilities at which a claim's verdict changes (fails below 1/3, holds from 2/3 on; see
#: :func:`sim.claims.verdict`), drawn on the claims chart.


def _axes(ax: Axes | None, size=(11.5, 5.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _counts(axis) -> None:
    """Whole numbers with thousands separators on a count axis (12,000)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(lambda v, _: f"{v:,.0f}")


def _finish(ax: Axes, ylabel: str, title: str, legend: bool = True, fontsize: float = 8, counts: bool = False) -> Axes:
    """The common end of a chart over dates: the axes named in words, concise dates, a light
    grid, the legend beside the chart (where it hides nothing); ``counts`` puts whole numbers
    with thousands separators on the y axis."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel("date")
    if counts:
        _counts(ax.yaxis)
    ax.set_title(title)
    _date_axis(ax.xaxis)
    ax.grid(alpha=0.25)
    if legend:
        _legend(ax, fontsize)
    return ax


class _DayMonth(mdates.ConciseDateFormatter):
    """Concise dates whose day ticks carry their month ("19 Feb", "5 Mar"), the year alone in the
    corner: over a short span a bare day ("21") under a corner reading the last month would pass
    for a day of that month."""

    def __init__(self, locator):
        formats = ["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
        zero = ["", "%Y", "%d %b", "%d %b", "%H:%M", "%H:%M"]
        offsets = ["", "%Y", "%Y", "%Y-%b-%d", "%Y-%b-%d", "%Y-%b-%d %H:%M"]
        super().__init__(locator, formats=formats, zero_formats=zero, offset_formats=offsets)

    def format_ticks(self, values):
        return [label.removeprefix("0") for label in super().format_ticks(values)]


def _date_axis(axis) -> None:
    """Dates on ``axis``, as every chart over dates shows them: months and years over a long span,
    day and month ("19 Feb") when the ticks fall on days."""
    axis.set_major_formatter(_DayMonth(axis.get_major_locator()))


def _legend(ax: Axes, fontsize: float = 8) -> None:
    """The legend beside the chart, where it hides nothing, its long lines wrapped."""
    pairs = list(zip(*ax.get_legend_handles_labels(), strict=True))
    pairs.sort(key=lambda pair: getattr(pair[0], "get_gid", lambda: None)() == "note")  # notes last
    handles = [h for h, _ in pairs]
    labels = [textwrap.fill(text, LEGEND_WIDTH, subsequent_indent="  ") for _, text in pairs]
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=fontsize, frameon=False
    )


def _note(ax: Axes, text: str) -> None:
    """A line of the legend without a symbol."""
    ax.plot([], [], ls="none", label=text, gid="note")


def _words(s: Scenario, measure: str) -> tuple[str, str, bool]:
    """A measure's axis label, its words for a title, and whether it counts people."""
    prefix = f"{OPPONENT}."
    base = measure.removeprefix(prefix)
    words, short = style.measure_words(base), style.short_words(base)
    if measure.startswith(prefix) and s.opponent is not None:
        words, short = f"{s.opponent.name}: {words}", f"{s.opponent.name}: {short}"
    return words, short, base not in SCALED


def _constant(values: np.ndarray) -> float | None:
    """The one value of a measure that is the same in every run on every day (None: it varies)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    return round(lo, 9) + 0.0 if abs(hi - lo) <= 1e-9 * max(1.0, abs(lo)) else None


def _say_constant(ax: Axes, value: float, counts: bool) -> None:
    """Say in the middle of the chart that a measure never varies, and its one value."""
    shown = f"{value:,.0f}" if counts else f"{value:g}"
    ax.text(
        0.5,
        0.5,
        f"no variation (always {shown})",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        color=style.SAMPLE,
        bbox={"facecolor": style.WHITE, "edgecolor": "none", "alpha": 0.9},
        gid="no-variation",
    )


# -- thresholds ---------------------------------------------------------------------------------


def threshold_series(result: Result, name: str) -> list[np.ndarray] | None:
    """The level a threshold's measure is compared with on each day, one array per bound (two
    for ``between``); None when its reference is not recorded.

    A threshold without ``of`` is a fixed number.  One relative to a measure (``of: arrived``)
    is tested in each run against that run's own reference of the day; the line is the value
    times the reference's median on each day, exact when the run kept its trajectories, and
    for ``of: peak_<measure>`` the median of each run's highest value so far.  Without
    trajectories a peak's line is the value times the highest median so far, which the median
    peak never falls below.
    """
    cond = result.scenario.thresholds[name]
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    n = len(result.dates)
    if cond.of is None:
        return [np.full(n, float(v)) for v in values]
    peak = cond.of.startswith("peak_") and cond.of not in result.measures
    base = cond.of.removeprefix("peak_") if peak else cond.of
    if result.trajectories is not None and base in result.trajectories:
        paths = np.asarray(result.trajectories[base], dtype=float)
        reference = np.median(np.maximum.accumulate(paths, axis=1) if peak else paths, axis=0)
    elif base in result.measures:
        median = result.q[result.measures.index(base), :, COL["q50"]]
        reference = np.maximum.accumulate(median) if peak else median
    else:
        return None
    return [float(v) * reference for v in values]


def _threshold_label(result: Result, name: str) -> str:
    return f"{name}: {describe_condition(result.scenario.thresholds[name])}"


# -- what happens when: postures, arrivals, departures -------------------------------------------


@dataclass
class Timeline:
    """One side's calendar at its nominal dates: the postures of its units present, day by day,
    as spans ``(first day, day after the last, words)``; the days units arrive, each with whether
    it comes in every run; the days units leave (a rotation or the end of a term of service);
    and whether any of these dates is uncertain (differs between runs)."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    arrivals: list[tuple[int, bool]] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)
    uncertain: bool = False


def timeline(s: Scenario, side: int = 0) -> Timeline:
    """The calendar of one side (0: the force, 1: its opponent) at its nominal dates (see
    :func:`sim.plan.nominal_days`).  A posture that a phase with a chance below 1 brings is named
    with that chance and the posture the units stay in otherwise (``adapted (50% of runs) or
    combat``)."""
    plan = compile_plan(s)
    days = plan.days
    prefix, force = s.forces[side]
    ranges = event_ranges(s)
    out = Timeline()
    first = sum(len(f.phases) for _, f in s.forces[:side])
    entries = plan.entries[first : first + len(force.phases)]
    chance = {}
    for entry, ph in zip(entries, force.phases, strict=True):
        lo, hi = ph.from_.day_range(s.start, ranges) or (entry.day, entry.day)
        out.uncertain |= lo != hi
        if not (ph.chance.is_fixed and ph.chance.mean == 1.0):
            chance.setdefault(entry.posture, ph.chance.mean)
    table = plan.posture_of
    certain = [e for e in plan.entries if e.when is None or e.when.chance is None]
    other = _posture_table(certain, plan.units, plan.sides, days) if chance else table
    present = np.zeros((len(plan.units), days), dtype=bool)
    for ui, u in enumerate(plan.units):
        if u.side != side or u.arrive is None or _nobody(plan, u.size):
            continue
        end = days if u.leave is None else u.leave
        if u.serves is not None:
            term = plan.params[u.serves]
            end = min(end, u.arrive + round(term.mean))
            out.uncertain |= not term.is_fixed
        present[ui, u.arrive : end] = True
        if end < days:
            out.leaves.append(end)
        if u.size is None:  # a flow of recruits, not a unit arriving on a day
            continue
        sure = not (u.when is not None and u.when.chance is not None) and u.rotation_chance is None
        out.arrivals.append((u.arrive, sure))
        out.uncertain |= u.name in ranges and ranges[u.name][0] != ranges[u.name][1]
    for r in s.rotations if side == 0 else []:
        lo, hi = r.leave.day_range(s.start, ranges) or (0, 0)
        out.uncertain |= lo != hi
    names = [p.removeprefix(prefix) for p in plan.postures]

    def words(postures: set[int], alternative: set[int]) -> str:
        now = " + ".join(names[p] + (f" ({chance[p]:.0%} of runs)" if p in chance else "") for p in sorted(postures))
        if postures == alternative:
            return now
        return f"{now} or {' + '.join(names[p] for p in sorted(alternative))}"

    current, since = None, 0
    for d in range(days + 1):
        here = present[:, d] if d < days else np.zeros(len(plan.units), dtype=bool)
        label = words(set(table[here, d]), set(other[here, d])) if here.any() else None
        if label != current:
            if current is not None:
                out.spans.append((since, d, current))
            current, since = label, d
    # One arrival a day: a day on which some unit comes in every run is a sure arrival.
    sure_days = {day for day, sure in out.arrivals if sure}
    out.arrivals = sorted({(day, day in sure_days) for day, _ in out.arrivals})
    out.leaves = sorted(set(out.leaves))
    return out


def _nobody(plan, size: str | None) -> bool:
    """Whether a unit's size is nobody in every run (``--set units.<name>.size=0``): such a unit
    neither arrives nor leaves, nor has a posture."""
    if size is None:
        return False
    p = plan.params[size]
    return bool(p.is_fixed and p.mean == 0)


def _postures(ax: Axes, dates: pd.DatetimeIndex, line: Timeline) -> None:
    """Each posture's days as a tinted strip along the top of the chart (where it hides no data
    and leaves the bands' colours alone), named in the legend once."""
    tint: dict[str, str] = {}
    for first, end, words in line.spans:
        new = words not in tint
        if new:
            tint[words] = style.POSTURES[len(tint) % len(style.POSTURES)]
        right = dates[end] if end < len(dates) else dates[-1]
        label = f"posture: {words}" if new else None
        ax.axvspan(
            dates[first],
            right,
            ymin=1 - style.POSTURE_STRIP,
            ymax=1,
            color=tint[words],
            lw=0,
            label=label,
            gid="posture",
        )


def _event_kinds(line: Timeline) -> list[tuple[int, str, str, str]]:
    """The vertical lines of a side's calendar, ``(day, kind, line style, words)``, one a day and
    kind: arrivals dashed (dotted for a unit that does not come in every run), departures (a
    rotation, the end of a term) dash-dot, a relief (one unit leaves and another arrives the
    same day) solid."""
    leaves = set(line.leaves)
    relief = {day for day, sure in line.arrivals if sure and day in leaves}
    kinds = [(day, "arrival", "--", "unit arrives") for day, sure in line.arrivals if sure and day not in relief]
    kinds += [(day, "arrival", ":", "unit may arrive (not in every run)") for day, sure in line.arrivals if not sure]
    kinds += [(day, "leave", "-.", "unit leaves (rotation or end of service)") for day in sorted(leaves - relief)]
    kinds += [(day, "relief", "-", "relief: a unit leaves, another arrives") for day in sorted(relief)]
    return kinds


def _events(ax: Axes, dates: pd.DatetimeIndex, sides: list[tuple[Timeline, str, str]]) -> None:
    """The arrivals and departures of each side ``(calendar, colour, words before its labels)``
    as vertical lines (:func:`_event_kinds`), each kind named in the legend once; the same event
    of both sides on the same day is one line in the events' colour, named for both sides."""
    per_side = [set(_event_kinds(line)) for line, _, _ in sides]
    both = set.intersection(*per_side) if len(sides) > 1 else set()
    lines = [(kind, style.EVENT, "both sides: ") for kind in sorted(both)]
    for kinds, (_, colour, who) in zip(per_side, sides, strict=True):
        lines += [(kind, colour, who) for kind in sorted(kinds - both)]
    seen = set()
    for (day, gid, ls, words), colour, who in lines:
        label = who + words
        ax.axvline(dates[day], color=colour, ls=ls, lw=1, alpha=0.9, gid=gid, label=None if label in seen else label)
        seen.add(label)


# -- reported figures ---------------------------------------------------------------------------


def _reported(ax: Axes, est: pd.DataFrame, colour: str | None = None, who: str = "") -> float:
    """Reported figures (:meth:`sim.estimates.Estimates.overlay`) as one marker per reporter
    with error bars: the reported range, or for a figure without one the 90% interval that the
    file's default relative error gives it (as calibration reads it); a span of days as a
    horizontal bar; a lower bound ("more than") as an upward triangle.  ``colour`` (a side's)
    replaces the reporters' colours.  Returns the highest value drawn."""
    from .calibration.observations import Z90

    est = est.reset_index(drop=True)
    value = est["value"].astype(float)
    low, high = est["low"].astype(float).fillna(value), est["high"].astype(float).fillna(value)
    ranged = est["ranged"].astype(bool) if "ranged" in est else low < high
    error = est["relative_error"].astype(float) if "relative_error" in est else pd.Series(np.nan, est.index)
    spread = Z90 * np.log1p(error.fillna(0.0))
    low = low.where(ranged, np.expm1(np.log1p(value) - spread))
    high = high.where(ranged, np.expm1(np.log1p(value) + spread))
    bound = est["lower_bound"].astype(bool) if "lower_bound" in est else pd.Series(False, est.index)
    when = pd.to_datetime(est["date"])
    first = pd.to_datetime(est["first"]) if "first" in est else when
    last = pd.to_datetime(est["last"]) if "last" in est else when
    labels = est["label"] if "label" in est else pd.Series("reported", est.index)
    rank = est["rank"] if "rank" in est else labels.map({v: i for i, v in enumerate(dict.fromkeys(labels))})
    for label, part in est.groupby(labels, sort=False):
        c, marker = style.reporter_style(int(rank[part.index[0]]))
        c = colour or c
        plain, bounds = part.index[~bound[part.index]], part.index[bound[part.index]]
        for rows, m, name in ((plain, marker, f"{who}reported by {label}"), (bounds, "^", None)):
            if not len(rows):
                continue
            yerr = None if m == "^" else [(value - low)[rows].clip(lower=0), (high - value)[rows].clip(lower=0)]
            _marks(ax, when[rows], value[rows], [when[rows] - first[rows], last[rows] - when[rows]], yerr, m, c, name)
    if bound.any():
        ax.plot(
            [],
            [],
            "^",
            color=style.GREY,
            mec=style.BLACK,
            mew=0.5,
            ls="none",
            label='reported as "more than"',
            gid="note",
        )
    if (~ranged & ~bound & error.notna()).any():
        r = float(error[~ranged & ~bound].dropna().iloc[0])
        _note(ax, f"bars: reported range, else the default {r:.0%} error (90%)")
    return float(np.nanmax([high.max(), value.max(), 0.0]))


# -- charts -------------------------------------------------------------------------------------


def fan_chart(
    result: Result,
    measure: str = "effective",
    ax: Axes | None = None,
    *,
    n_samples: int = 5,
    estimates: pd.DataFrame | None = None,
    title: str | None = None,
    bands: str = "",
) -> Axes:
    """Median, 50% and 90% bands and sample runs of one measure; the side's postures as named
    spans, its arrivals and departures; each threshold on this measure at the level it is tested
    at day by day (:func:`threshold_series`), in its colour; reported figures by reporter, with
    their errors.  A measure that is the same in every run says so.

    ``estimates`` (optional) is a frame as :meth:`sim.estimates.Estimates.overlay` gives it
    (``date``, ``value``, ``low``, ``high``, ``label``; ``first``, ``last``, ``ranged``,
    ``relative_error``, ``lower_bound``, ``rank`` where known).  ``bands`` goes before the
    legend's words for the bands and the median (``model: true figure, ``).
    """
    ax = _axes(ax)
    s = result.scenario
    i = result.measures.index(measure)
    dates = pd.to_datetime(result.dates)
    q = result.q[i]
    words, short, counts = _words(s, measure)
    side = 1 if measure.startswith(f"{OPPONENT}.") and s.opponent is not None else 0
    line = timeline(s, side)
    constant = _constant(q)
    top = [float(q[:, COL["q95"]].max()), 2 * (constant or 0.0), 1.0]
    if constant is None:  # a measure the same in every run has no bands, and its runs are its median
        ax.fill_between(
            dates, q[:, COL["q05"]], q[:, COL["q95"]], color=style.MODEL, alpha=0.18, lw=0, label=f"{bands}90% band"
        )
        ax.fill_between(
            dates, q[:, COL["q25"]], q[:, COL["q75"]], color=style.MODEL, alpha=0.35, lw=0, label=f"{bands}50% band"
        )
        for k, path in enumerate(result.samples[measure][:n_samples]):
            ax.plot(dates, path, color=style.SAMPLE, lw=0.6, alpha=0.6, label="sample runs" if k == 0 else None)
            top.append(float(np.max(path)))
    ax.plot(dates, q[:, COL["q50"]], color=style.MODEL, lw=2.2, label=f"{bands}median")
    for k, name in enumerate(s.thresholds):
        cond = s.thresholds[name]
        levels = threshold_series(result, name) if cond.measure == measure else None
        for j, level in enumerate(levels or []):
            label = _threshold_label(result, name) + (
                "" if cond.of is None else " (level per day: median of the reference)"
            )
            ax.plot(
                dates,
                level,
                color=style.threshold_colour(k),
                ls="--",
                lw=1.3,
                label=None if j else label,
                gid=f"threshold:{name}",
            )
            top.append(float(level.max()))
    _events(ax, dates, [(line, style.EVENT, "")])
    _postures(ax, dates, line)
    if line.uncertain:
        _note(ax, "dates: nominal (some are uncertain)")
    if estimates is not None and len(estimates):
        top.append(_reported(ax, estimates))
    if constant is not None:
        _say_constant(ax, constant, counts)
    ax.set_ylim(bottom=0, top=max(top) * 1.08)
    return _finish(ax, words, title or f"{s.name}: {short} ({result.reps:,} runs)", counts=counts)


def sides_chart(
    result: Result,
    ax: Axes | None = None,
    *,
    estimates: dict[str, pd.DataFrame] | None = None,
    title: str | None = None,
) -> Axes:
    """Both sides' soldiers on duty: each side's median with its 50% and 90% bands, its arrivals
    and departures, in the side's colour; ``estimates`` maps a measure (``effective``,
    ``opponent.effective``) to its reported figures (as :func:`fan_chart` takes them)."""
    ax = _axes(ax)
    s = result.scenario
    dates = pd.to_datetime(result.dates)
    opponent = s.opponent
    sides = [("effective", "the force" if opponent is None else s.name, style.MODEL, 0)]
    if opponent is not None:
        sides.append((opponent_measure("effective"), opponent.name, style.OPPONENT, 1))
    top, values, calendars = [1.0], [], []
    for measure, label, colour, side in sides:
        q = result.q[result.measures.index(measure)]
        values.append(q)
        ax.fill_between(dates, q[:, COL["q05"]], q[:, COL["q95"]], color=colour, alpha=0.15, lw=0)
        ax.fill_between(dates, q[:, COL["q25"]], q[:, COL["q75"]], color=colour, alpha=0.3, lw=0)
        ax.plot(dates, q[:, COL["q50"]], color=colour, lw=2.2, label=f"{label}: median, 50% and 90% bands")
        top.append(float(q[:, COL["q95"]].max()))
        calendars.append((timeline(s, side), colour, f"{label}: "))
        est = (estimates or {}).get(measure)
        if est is not None and len(est):
            top.append(_reported(ax, est, colour, f"{label}: "))
    _events(ax, dates, calendars)
    constant = _constant(np.stack(values))
    if constant is not None:
        _say_constant(ax, constant, True)
        top.append(2 * constant)
    ax.set_ylim(bottom=0, top=max(top) * 1.08)
    title = title or f"{s.name}: both sides on duty ({result.reps:,} runs)"
    return _finish(ax, style.measure_words("effective"), title, counts=True)


def crossing_chart(
    result: Result, ax: Axes | None = None, *, marks: dict[str, object] | None = None, title: str | None = None
) -> Axes:
    """Probability of having crossed each threshold by each date, each threshold in the colour
    it has on the fan charts; ``marks`` maps labels to dates drawn as vertical lines (e.g. a
    claim's date), told apart by their line style and named in the legend."""
    ax = _axes(ax, (10.5, 4.5))
    frame = result.crossing
    for k, name in enumerate(result.scenario.thresholds):
        part = frame[frame["threshold"] == name]
        never = not (part["probability"] > 0).any()
        label = _threshold_label(result, name) + (" (never crossed)" if never else "")
        ax.plot(
            part["date"],
            part["probability"],
            lw=2,
            color=style.threshold_colour(k),
            label=label,
            gid=f"threshold:{name}",
        )
    for k, (label, when) in enumerate((marks or {}).items()):
        ax.axvline(
            pd.Timestamp(when),
            color=style.EVENT,
            ls=style.MARK_STYLES[k % len(style.MARK_STYLES)],
            lw=1.1,
            label=f"date of {label}",
        )
    ax.set_ylim(0, 1.05)
    title = title or f"{result.scenario.name}: thresholds crossed ({result.reps:,} runs)"
    _finish(ax, "probability of having crossed", title, len(frame) > 0 or bool(marks))
    return ax


def claims_chart(frame: pd.DataFrame, title: str = "Which assumptions overturn which claim"):
    """One panel per claim: the probability it holds under each scenario, one bar each, coloured
    by verdict and labelled with the scenario and the test it was held to there (scenarios may
    test the same claim differently), with the 1/3 and 2/3 cut-offs of the verdict words.
    Returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ids = list(dict.fromkeys(frame["id"]))
    sizes = [int((frame["id"] == i).sum()) for i in ids]
    fig, axes = plt.subplots(
        len(ids),
        1,
        figsize=(11, 1.4 + 0.5 * sum(sizes) + 0.6 * len(ids)),
        gridspec_kw={"height_ratios": sizes},
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, claim in zip(axes[:, 0], ids, strict=True):
        rows = frame[frame["id"] == claim].sort_values("probability", kind="stable")
        p = rows["probability"].astype(float).to_numpy()
        y = np.arange(len(rows))
        colours = [style.VERDICTS.get(v, style.GREY) for v in rows["verdict"]]
        ax.barh(y, p, color=colours, height=0.6)
        ax.scatter(p, y, color=colours, edgecolors=style.BLACK, linewidths=0.4, s=18, zorder=3, clip_on=False)
        for yi, pi in zip(y, p, strict=True):
            inside = pi > 0.9
            ax.text(
                pi - 0.01 if inside else pi + 0.012,
                yi,
                f"{pi:.0%}",
                va="center",
                ha="right" if inside else "left",
                fontsize=7,
                color=style.ON_DARK if inside else style.ON_LIGHT,
            )
        labels = [f"{sc}\n{test}" for sc, test in zip(rows["scenario"], rows["test"], strict=True)]
        ax.set_yticks(y, labels, fontsize=7.5)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        for cut in VERDICT_CUTS:
            ax.axvline(cut, color=style.SAMPLE, ls=":", lw=0.8)
        ax.set_title(f"{claim}: {rows['who'].iloc[0]}", loc="left", fontsize=9)
        ax.set_xlim(0, 1.02)  # a marker at 100% whole, not cut by the edge
        ax.grid(axis="x", alpha=0.25)
    axes[-1, 0].set_xlabel("probability the claim holds (share of runs)")
    handles = [Patch(color=c, label=v) for v, c in style.VERDICTS.items()]
    handles.append(Line2D([], [], color=style.SAMPLE, ls=":", lw=0.8, label="verdict cut-offs (1/3, 2/3)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    return fig


def stories_chart(combined: pd.DataFrame, measure: str, until, estimates: pd.DataFrame | None = None, title=None):
    """The combined projection of several stories (the weighted runs' median and 50% and 90%
    bands), each story's own median given the reports as a thin line, the reports up to the
    cut-off by reporter with their errors, the cut-off as a vertical line.  Returns the Axes."""
    ax = _axes(None)
    dates = pd.to_datetime(combined["date"])
    ax.fill_between(
        dates, combined["q05"], combined["q95"], color=style.MODEL, alpha=0.18, lw=0, label="combined: 90% band"
    )
    ax.fill_between(
        dates, combined["q25"], combined["q75"], color=style.MODEL, alpha=0.35, lw=0, label="combined: 50% band"
    )
    ax.plot(dates, combined["q50"], color=style.MODEL, lw=2.2, label="combined: median")
    stories = [c for c in combined.columns if c.startswith("q50:")]
    for k, col in enumerate(stories):
        ax.plot(
            dates,
            combined[col],
            lw=0.9,
            ls="--",
            color=style.STORIES[k % len(style.STORIES)],
            label=f"{col[4:]} (median given the reports)",
        )
    if estimates is not None and len(estimates):
        seen = estimates[pd.to_datetime(estimates["date"]) <= pd.Timestamp(until)]
        if len(seen):
            _reported(ax, seen, who="by the cut-off: ")
    ax.axvline(pd.Timestamp(until), color=style.CUT_OFF, ls=":", lw=1.2, label="cut-off")
    ax.set_ylim(bottom=0)
    words, short = style.measure_words(measure), style.short_words(measure)
    title = title or f"{short}: the stories combined by their evidence up to {until}"
    return _finish(ax, words, title, fontsize=7, counts=measure not in SCALED)


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
            x_err, y_err = [xerr[0][part], xerr[1][part]], [yerr[0][part], yerr[1][part]]
            _marks(ax, when[part], frame["value"][part], x_err, y_err, m, colour, text)


def _marks(ax: Axes, when, value, xerr, yerr, marker: str, colour: str, label: str | None) -> None:
    """Reported figures as points with their dates' and figures' ranges as error bars, drawn
    alike on every chart."""
    ax.errorbar(
        when, value, yerr=yerr, xerr=xerr, fmt=marker, color=colour, mec=style.BLACK, mew=0.5, ms=6, capsize=3,
        label=label, zorder=4,
    )  # fmt: skip


def _scored_intervals(ax: Axes, rows: pd.DataFrame, label: str, shift: pd.Timedelta) -> list[float]:
    """Each scored report's 90% interval (``q05`` to ``q95``) as a vertical bar ``shift`` after the
    report's date, its median (``q50``) a black tick; returns the bars' tops."""
    if not len(rows):
        return []
    when = pd.to_datetime(rows["date"]) + shift
    q05, q50, q95 = (rows[c].astype(float).to_numpy() for c in ("q05", "q50", "q95"))
    from matplotlib.colors import to_rgba

    ax.errorbar(
        when, q50, yerr=[q50 - q05, q95 - q50], fmt="_", color=style.BLACK, ms=9, mew=1.5,
        ecolor=to_rgba(style.HELD_OUT, 0.5), elinewidth=4, capsize=0, label=label, zorder=3, gid="scored-interval",
    )  # fmt: skip
    return [float(q95.max())]


def score_chart(
    result: Result,
    scores: pd.DataFrame,
    reports: pd.DataFrame,
    after=None,
    title: str | None = None,
    compared_with: str | None = None,
):
    """A projection scored against later reports: the fan chart of each scored measure (the
    model's true figure), with the scored (held-out) reports marked apart from the others, beside
    each the 90% interval and median it was scored against, a line at the cut-off ``after``, and
    a panel with the histogram of the PITs (dashed: the count of a calibrated projection).

    By default a report is scored against the figure as it would be reported (the reporter's
    lean and the report's error: wider than the model's band), with ``--truth`` against the true
    figure; ``compared_with`` (default ``scores.attrs["compared_with"]``, the words of
    :mod:`sim.scoring`) says which, and the legend says it in those words.  ``reports`` has one row per report
    of the scored measures within the run (``id, measure, date, first, last, value, low, high,
    lower_bound``).  Returns the figure."""
    import matplotlib.pyplot as plt

    compared = compared_with or scores.attrs.get("compared_with")
    scored_as = "90% interval the report was scored against" + (f" ({compared})" if compared else "")
    scored_as += ", its median"
    measures = list(dict.fromkeys(scores["measure"]))
    fig, axes = plt.subplots(
        len(measures) + 1,
        1,
        figsize=(12, 4.2 * len(measures) + 3.2),
        gridspec_kw={"height_ratios": [4.2] * len(measures) + [3.2]},
        layout="constrained",
        squeeze=False,
    )
    scored = set(scores["id"])
    dates = pd.to_datetime(result.dates)
    end = min(dates[-1], pd.to_datetime(reports["last"]).max() + pd.Timedelta(days=45))
    shown = dates <= end
    shift = pd.Timedelta(days=max(1, round((end - dates[0]).days / 80)))  # beside the report's marker
    for ax, measure in zip(axes[:-1, 0], measures, strict=True):
        panel = f"{result.scenario.name}: {_words(result.scenario, measure)[1]}"
        fan_chart(result, measure, ax=ax, n_samples=3, title=panel, bands="model: true figure, ")
        mine = reports[reports["measure"] == measure]
        held = mine["id"].isin(scored)
        seen_label = f"reported by {after} (not scored)" if after is not None else "reported, not scored"
        _reports(ax, mine[~held], style.SEEN, "o", seen_label)
        held_label = "reported later (scored)" if after is not None else "reported (scored)"
        _reports(ax, mine[held], style.HELD_OUT, "D", held_label)
        tops = _scored_intervals(ax, scores[scores["measure"] == measure], scored_as, shift)
        if after is not None:
            ax.axvline(pd.Timestamp(after), color=style.CUT_OFF, lw=1.2, ls="-.", label=f"cut-off {after}")
        i = result.measures.index(measure)
        tops.append(float(result.q[i, shown, QUANTILE_COLUMNS.index("q95")].max()))
        tops.append(float(mine[["value", "high"]].max().max()))
        # Every threshold's line within the dates shown fits too.
        tops += [float(np.max(ln.get_ydata()[shown])) for ln in ax.lines if str(ln.get_gid()).startswith("threshold:")]
        ax.set_xlim(dates[0], end)
        ax.set_ylim(0, max([*tops, 1.0]) * 1.1)
        _date_axis(ax.xaxis)
        _legend(ax, 7.5)
    ax = axes[-1, 0]
    pit = scores.loc[~scores["lower_bound"].astype(bool), "pit"].to_numpy(dtype=float)
    counts, edges = np.histogram(pit, bins=10, range=(0.0, 1.0))
    ax.bar(edges[:-1], counts, width=0.1, align="edge", color=style.HELD_OUT, alpha=0.7, edgecolor=style.BLACK, lw=0.5)
    ax.axhline(len(pit) / 10, color=style.BLACK, ls="--", lw=1, label="calibrated (even spread)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT: share of runs below the reported figure (0: far below the projection; 1: far above)")
    ax.set_ylabel("reports")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"PIT of the {len(pit)} scored reports", loc="left", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.suptitle(title or f"{result.scenario.name}: projection against later reports ({result.reps:,} runs)")
    return fig
