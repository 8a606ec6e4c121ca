"""Charts that say what they draw: thresholds at the level they are tested at each day, named
postures, arrivals told apart from departures, reported figures by reporter with their errors,
a constant measure said to be one, claims labelled with their tests, one colour per threshold,
axes in words with thousands separators.  Checked on the matplotlib objects, not on pixels."""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import sim
from conftest import ROOT, make
from sim import chartstyle
from sim.calibration.observations import Z90
from sim.charts import claims_chart, crossing_chart, fan_chart, score_chart, sides_chart, threshold_series, timeline
from sim.estimates import Estimates
from sim.loading import load_scenario
from sim.scenario import FORCE_RATIO, MEASURES
from sim.scoring import TRUE_FIGURE, scoring

REPS = 100  # enough runs for every chart element; the checks below hold for any number of runs
IWO = ROOT / "scenarios" / "iwo-jima" / "iwo-jima-1945.yaml"  # a battle of five weeks

# Two units, one serving a 60-day term (a release, not an arrival), one arriving on an uncertain
# day; three postures, one of them from an uncertain date.
CALENDAR = {
    "name": "calendar",
    "start": "2025-01-01",
    "end": "2025-06-30",
    "seed": 3,
    "units": [
        {"name": "a", "arrive": "2025-01-10", "size": 1000, "serves_days": 60},
        {"name": "b", "arrive": {"uniform": ["2025-02-01", "2025-02-10"]}, "size": 500},
    ],
    "initial_posture": "training",
    "phases": [
        {"from": "2025-01-20", "posture": "combat"},
        {"name": "rest", "from": {"uniform": ["2025-04-01", "2025-04-10"]}, "posture": "rear"},
    ],
    "postures": {"training": {}, "combat": {"daily_rate": 0.002}, "rear": {}},
    "casualties": {"killed": 0.2},
    "thresholds": {
        "below_800": {"measure": "effective", "below": 800},
        "half": {"measure": "effective", "below": 0.5, "of": "peak_effective"},
    },
}
SOURCE = {"says": "x", "outlet": "x", "file": "000_d5a8303e657b57dc.txt"}
REPORTS = Estimates.model_validate(
    {
        "case": "calendar",
        "default_relative_error": 0.2,
        "reporters": {"officials": {}},
        "estimates": [
            {"id": "bare", "date": "2025-02-15", "kind": "effective", "value": 1200, "who": "an office",
             "reporter": "officials", **SOURCE},
            {"id": "ranged", "date": "2025-03-01", "kind": "effective", "low": 900, "high": 1300,
             "who": "a journalist", **SOURCE},
            {"id": "more", "date": "2025-03-05", "kind": "effective", "value": 600, "lower_bound": True,
             "who": "a journalist", **SOURCE},
        ],
    }
)  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def kursk():
    return sim.run(ROOT / "scenarios" / "kursk-baseline.yaml", reps=REPS)


@pytest.fixture(scope="module")
def calendar():
    return sim.run(make(CALENDAR), reps=REPS, keep_trajectories=True)


def labels(ax) -> list[str]:
    return ax.get_legend_handles_labels()[1]


def upright(container) -> list[np.ndarray]:
    """The vertical bars (the ranges of figures) of an errorbar container."""
    return [s for col in container.lines[2] for s in col.get_segments() if s[0, 0] == s[1, 0] and s[0, 1] != s[1, 1]]


def days_of(ax, gid: str) -> set[pd.Timestamp]:
    """The dates of the vertical lines of one kind (``arrival``, ``leave``)."""
    return {pd.Timestamp(mdates.num2date(mdates.date2num(ln.get_xdata()[0]))).tz_localize(None).normalize()
            for ln in ax.lines if ln.get_gid() == gid}  # fmt: skip


def test_a_relative_threshold_is_drawn_at_its_level_of_each_day(kursk):
    q50 = {m: kursk.q[kursk.measures.index(m), :, 2] for m in ("effective", "arrived")}
    (peak,) = threshold_series(kursk, "combat_ineffective")  # effective < 0.5 x peak_effective
    np.testing.assert_array_equal(peak, 0.5 * np.maximum.accumulate(q50["effective"]))
    assert (np.diff(peak) >= 0).all()  # a peak never falls
    assert peak[0] == 0 and len(set(peak)) >= 3  # rises with each arrival: not one flat line
    (share,) = threshold_series(kursk, "destroyed_30pct")  # permanent_losses >= 0.3 x arrived
    np.testing.assert_array_equal(share, 0.3 * q50["arrived"])
    ax = fan_chart(kursk, "effective")
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "threshold:combat_ineffective"]
    np.testing.assert_array_equal(line.get_ydata(), peak)
    assert any(text.startswith("combat_ineffective: effective < 0.5 x peak_effective") for text in labels(ax))


def test_with_trajectories_the_level_is_the_median_of_each_runs_own(calendar):
    paths = calendar.trajectories["effective"]
    (half,) = threshold_series(calendar, "half")
    np.testing.assert_array_equal(half, np.median(0.5 * np.maximum.accumulate(paths, axis=1), axis=0))
    (flat,) = threshold_series(calendar, "below_800")
    assert (flat == 800).all()  # a threshold without a reference stays one line
    ax = fan_chart(calendar, "effective")
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "threshold:below_800"]
    assert set(line.get_ydata()) == {800.0}


def test_postures_are_named_and_a_release_is_not_an_arrival(calendar):
    ax = fan_chart(calendar, "effective")
    shown = labels(ax)
    assert {"posture: training", "posture: combat", "posture: rear"} <= set(shown)
    assert "dates: nominal (some are uncertain)" in shown  # unit b and the rest phase
    # Arrivals on 10 January and (nominally) 1 February; unit a leaves 60 days after it came.
    assert days_of(ax, "arrival") == {pd.Timestamp("2025-01-10"), pd.Timestamp("2025-02-01")}
    assert days_of(ax, "leave") == {pd.Timestamp("2025-03-11")}
    assert "unit leaves (rotation or end of service)" in shown
    assert [t for t in shown if "arriv" in t] == ["unit arrives"]


def test_a_posture_by_chance_is_named_with_its_chance(kursk):
    shown = labels(fan_chart(kursk, "effective"))
    assert "posture: adapted (50% of runs) or combat" in shown  # the phase with chance 0.5
    assert {"posture: training", "posture: rear", "posture: withdrawn"} <= set(shown)


def test_reports_carry_their_reporter_and_their_error(calendar):
    over = REPORTS.overlay("effective")
    ax = fan_chart(calendar, "effective", estimates=over)
    bars = {c.get_label(): c for c in ax.containers if c.get_label()}
    assert {"reported by officials", "reported by a journalist"} <= set(bars)
    faces = {to_hex(bars[k].lines[0].get_color()) for k in bars}
    assert len(faces) == 2  # one colour per reporter
    # The bare figure's bar: the 90% interval of the file's 20% default error, as calibration reads it.
    (segment,) = upright(bars["reported by officials"])
    spread = Z90 * math.log1p(0.2)
    expect = sorted([math.expm1(math.log1p(1200) - spread), math.expm1(math.log1p(1200) + spread)])
    np.testing.assert_allclose(sorted(segment[:, 1]), expect, rtol=1e-12)
    assert expect[1] - expect[0] > 500  # a real bar, not a bare point
    # The reported range is drawn as given.
    assert [tuple(sorted(s[:, 1])) for s in upright(bars["reported by a journalist"])] == [(900.0, 1300.0)]
    assert 'reported as "more than"' in labels(ax)
    assert any(t.startswith("bars: reported range, else the default 20% error") for t in labels(ax))


def test_a_constant_measure_says_so():
    s = make(CALENDAR, postures={"training": {}, "combat": {}, "rear": {}}, thresholds=None)
    ax = fan_chart(sim.run(s, reps=20), "killed")  # no losses at all: killed is always 0
    assert [t.get_text() for t in ax.texts] == ["no variation (always 0)"]
    low, high = ax.get_ylim()
    assert low == 0 and high >= 1  # a readable axis, not one of +-1e-17


def test_claims_chart_labels_each_bar_with_its_test():
    frame = pd.DataFrame(
        {
            "scenario": ["one", "two"],
            "id": ["c", "c"],
            "who": ["w", "w"],
            "test": ["threshold ineffective within 120 days of 2025-01-15", "effective <= 0 by 2025-04-30"],
            "probability": [0.8, 0.1],
            "verdict": ["holds", "fails"],
        }
    )
    fig = claims_chart(frame)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["two\neffective <= 0 by 2025-04-30", "one\nthreshold ineffective within 120 days of 2025-01-15"]
    bars = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert bars == [chartstyle.VERDICTS["fails"].lower(), chartstyle.VERDICTS["holds"].lower()]
    assert {"holds", "toss-up", "fails"} <= {t.get_text() for t in fig.legends[0].get_texts()}


def test_a_threshold_has_one_colour_on_every_chart(kursk):
    crossing = {ln.get_gid(): to_hex(ln.get_color()) for ln in crossing_chart(kursk).lines if ln.get_gid()}
    fans = {}
    for measure in ("effective", "casualties", "permanent_losses"):
        fans |= {ln.get_gid(): to_hex(ln.get_color()) for ln in fan_chart(kursk, measure).lines if ln.get_gid()}
    for k, name in enumerate(kursk.scenario.thresholds):
        key = f"threshold:{name}"
        assert fans[key] == crossing[key] == chartstyle.threshold_colour(k).lower(), name
    assert len(set(crossing.values())) == 3


def test_axes_are_named_in_words_with_thousands_separators(kursk):
    ax = fan_chart(kursk, "effective")
    ax.figure.canvas.draw()
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("soldiers on duty", "date")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    big = [t for t in ticks if len(t.replace(",", "")) >= 4]
    assert big and all("," in t for t in big)  # 12,000, not 12000
    assert ax.yaxis.get_major_formatter()(12000, 0) == "12,000"
    assert crossing_chart(kursk).get_ylabel() == "probability of having crossed"
    assert set(MEASURES) | {FORCE_RATIO} <= set(chartstyle.MEASURE_WORDS)  # every built-in measure in words


@pytest.fixture(scope="module")
def iwo():
    return sim.run(IWO, reps=REPS)


def test_both_sides_are_named_with_their_own_arrivals(iwo):
    ax = sides_chart(iwo)
    shown = labels(ax)
    # Both sides land on 19 February: one line for both; the later U.S. landings in the U.S. colour.
    assert {"both sides: unit arrives", "iwo-jima-1945: unit arrives"} <= set(shown)
    assert days_of(ax, "arrival") == {pd.Timestamp(d) for d in ("1945-02-19", "1945-02-21", "1945-02-24")}
    assert len([ln for ln in ax.lines if ln.get_gid() == "arrival"]) == 3
    ax = fan_chart(iwo, "opponent.effective")
    assert ax.get_ylabel() == "Japanese garrison: soldiers on duty"
    assert "posture: entrenched" in labels(ax)  # the opponent's own posture


def test_a_unit_of_nobody_does_not_arrive_and_one_day_is_one_line():
    # Unit b is nobody; c and d come on the same day as a (d not in every run), c leaves with a.
    units = [
        {"name": "a", "arrive": "2025-01-10", "size": 1000, "serves_days": 60},
        {"name": "b", "arrive": {"uniform": ["2025-02-01", "2025-02-10"]}, "size": 0},
        {"name": "c", "arrive": "2025-01-10", "size": 300, "serves_days": 60},
        {"name": "d", "arrive": "2025-01-10", "size": 200, "chance": 0.5},
    ]
    s = make(CALENDAR, units=units)
    assert timeline(s).arrivals == [(9, True)]  # day 9: 10 January, sure (a and c come in every run)
    ax = fan_chart(sim.run(s, reps=20), "effective")
    assert [ln.get_gid() for ln in ax.lines if ln.get_gid() in ("arrival", "leave")] == ["arrival", "leave"]
    assert days_of(ax, "arrival") == {pd.Timestamp("2025-01-10")}
    assert days_of(ax, "leave") == {pd.Timestamp("2025-03-11")}
    assert [t for t in labels(ax) if "arriv" in t] == ["unit arrives"]
    # Iwo Jima without the third landing: no line on 24 February.
    dropped = load_scenario(IWO, ("units.landing-day-6.size=0",))
    assert [day for day, _ in timeline(dropped).arrivals] == [0, 2]  # 19 and 21 February


def test_a_short_span_names_the_month_of_each_tick(iwo):
    for ax in (fan_chart(iwo, "effective"), sides_chart(iwo)):
        ax.figure.canvas.draw()
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert len(ticks) >= 4 and {"Feb", "Mar"} <= {t.split()[-1] for t in ticks}, ticks
        assert all(re.fullmatch(r"[1-9]\d? (Feb|Mar)", t) for t in ticks), ticks  # "21 Feb", never a bare "21"
        assert ax.xaxis.get_major_formatter().get_offset() == "1945"  # the year alone in the corner


def test_claims_chart_says_its_cut_offs_and_shows_a_whole_marker_at_100_percent():
    frame = pd.DataFrame(
        {"scenario": ["one"], "id": ["c"], "who": ["w"], "test": ["t"], "probability": [1.0], "verdict": ["holds"]}
    )
    fig = claims_chart(frame)
    assert "verdict cut-offs (1/3, 2/3)" in {t.get_text() for t in fig.legends[0].get_texts()}
    cuts = [ln.get_xdata()[0] for ln in fig.axes[0].lines]
    np.testing.assert_allclose(cuts, [1 / 3, 2 / 3])
    assert fig.axes[0].get_xlim()[1] > 1.01  # room for the marker's right half


@pytest.fixture(scope="module")
def kursk_scored():
    path = ROOT / "scenarios" / "kursk-baseline.yaml"
    return [scoring(path, after="2025-01-30", reps=200, truth=truth) for truth in (False, True)]


def test_the_score_chart_shows_the_interval_each_report_was_scored_against(kursk_scored):
    for scored in kursk_scored:
        frame = scored.frame
        truth = frame.attrs["compared_with"] == TRUE_FIGURE
        fig = score_chart(scored.result, frame, scored.reports(), scored.after)
        panels = fig.axes[: frame["measure"].nunique()]
        drawn = []
        for ax in panels:
            shown = labels(ax)
            assert {"model: true figure, 90% band", "model: true figure, median"} <= set(shown)
            (interval,) = [c for c in ax.containers if c.get_label().startswith("90% interval the report was")]
            kind = "(the true figure)" if truth else "(as reported: lean and error)"
            assert kind in interval.get_label()
            drawn += [tuple(sorted(s[:, 1])) for s in upright(interval)]
            # Everything drawn fits: the scored intervals and every threshold line within the dates shown.
            low, high = ax.get_xlim()
            top = ax.get_ylim()[1]
            for ln in ax.lines:
                x = mdates.date2num(pd.to_datetime(ln.get_xdata()))
                y = np.asarray(ln.get_ydata(), dtype=float)
                inside = (x >= low) & (x <= high)
                if str(ln.get_gid()).startswith("threshold:") and inside.any():
                    assert y[inside].max() <= top, ln.get_gid()
        # One interval per scored report, its ends the frame's 5% and 95% quantiles.
        expect = sorted(zip(frame["q05"], frame["q95"], strict=True))
        assert len(drawn) == len(frame) == 3
        np.testing.assert_allclose(sorted(drawn), expect, rtol=1e-9)
    # As reported the intervals are wider than the true figure's (the reporter's lean and error).
    width = [(s.frame["q95"] - s.frame["q05"]).to_numpy() for s in kursk_scored]
    assert (width[0] > width[1]).all()
