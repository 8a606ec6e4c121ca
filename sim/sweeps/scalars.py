"""What a sweep measures at each point: scalar outputs over the point's replications.

Each output has one name, used on the command line, in sweep files and as its column:

``median_day:<threshold>``
    Median first-crossing day of a threshold, counted in days from the scenario's start.  It
    is defined only when at least half the point's replications cross by the end; otherwise
    the median replication never crosses, the median day is after the end (censored) and the
    column is missing (null), never a stand-in number.  Two companion columns go with it:
    ``median_date:<threshold>``, the same day as a date (null when censored), and
    ``median_crossed:<threshold>``, true when the median day is defined.  The probability of
    crossing, ``p_cross:<threshold>``, is added as an output of its own beside every
    ``median_day`` (see :func:`with_crossing`): where the median day is censored, it is the
    number that still varies.  There is no mean crossing day: it would need every replication
    to cross.
``p_cross:<threshold>`` or ``p_cross:<threshold>@<date>``
    Probability that the threshold is crossed by the end (or by the date).
``p_holds:<claim id>``
    Probability that the claim holds (as ``run`` evaluates it).
``mean:<measure>@<date>`` or ``q<percent>:<measure>@<date>``
    A measure's mean, or a quantile (``q50`` the median, ``q05`` the 5th percentile), on a date.
    A whole percent is written with two digits (``q5`` is read as ``q05``), as in a run's
    ``quantiles.csv``.

Each column has a unit (:data:`UNITS`): ``day`` (days from the start), ``date``,
``probability``, ``people`` (or ``ratio`` for a measure such as ``force_ratio``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..measures import NEVER
from ..scenario import SCALED, Scenario

KINDS = ("median_day", "p_cross", "p_holds", "mean", "q<percent>")
_QUANTILE = re.compile(r"^q(\d{1,2}(\.\d+)?|100)$")

#: The unit of each kind of value a sweep stores (in the Parquet fields' metadata and in
#: ``summary.json``).
UNITS = {
    "day": "days from the scenario's start",
    "date": "calendar date",
    "probability": "share of the point's replications, 0 to 1",
    "people": "people",
    "ratio": "ratio",
}


class OutputSpecError(ValueError):
    """An output is malformed or names nothing in the scenario; the message states the rule."""


@dataclass(frozen=True)
class Column:
    """One column an output fills: its name, type (``float64``, ``date32`` or ``bool``), unit
    (a key of :data:`UNITS`, or None) and what it holds, in a few words."""

    name: str
    type: str
    unit: str | None
    description: str


@dataclass(frozen=True)
class Output:
    """One scalar output of a sweep point.

    Parameters
    ----------
    kind : str
        ``median_day``, ``p_cross``, ``p_holds``, ``mean`` or ``q<percent>``.
    name : str
        The threshold, claim id or measure.
    on : datetime.date, optional
        The date (``p_cross`` by a date, ``mean`` and quantiles on a date).
    """

    kind: str
    name: str
    on: dt.date | None = None

    @property
    def column(self) -> str:
        return f"{self.kind}:{self.name}" + (f"@{self.on.isoformat()}" if self.on else "")

    @property
    def is_day(self) -> bool:
        """A first-crossing day, missing (censored) where the median replication never crosses."""
        return self.kind == "median_day"

    @property
    def unit(self) -> str:
        """The unit of the output's column (a key of :data:`UNITS`)."""
        if self.is_day:
            return "day"
        if self.kind in ("p_cross", "p_holds"):
            return "probability"
        return "ratio" if self.name in SCALED else "people"

    @property
    def columns(self) -> list[str]:
        """Every column this output fills (``median_day`` adds its date and its flag)."""
        return [c.name for c in self.fields]

    @property
    def fields(self) -> list[Column]:
        """Every column this output fills, with its type, unit and description."""
        main = Column(self.column, "float64", self.unit, self.describe())
        if not self.is_day:
            return [main]
        return [
            main,
            Column(
                f"median_date:{self.name}",
                "date32",
                "date",
                f"median first-crossing date of {self.name}; null when fewer than half the replications "
                "cross by the end",
            ),
            Column(
                f"median_crossed:{self.name}",
                "bool",
                None,
                f"true when at least half the replications cross {self.name} by the end, so that the median day "
                "is defined; false: the median day is after the end (never crossed by the median replication)",
            ),
        ]

    @property
    def quantile(self) -> float | None:
        return float(self.kind[1:]) / 100 if _QUANTILE.match(self.kind) else None

    def describe(self) -> str:
        if self.is_day:
            return (
                f"median first-crossing day of {self.name} (days from the start); null when fewer than half "
                "the replications cross by the end"
            )
        if self.kind == "p_cross":
            return f"probability {self.name} is crossed by {self.on or 'the end'}"
        if self.kind == "p_holds":
            return f"probability claim {self.name} holds"
        stat = "mean" if self.kind == "mean" else f"{float(self.kind[1:]):g}th percentile"
        return f"{stat} of {self.name} on {self.on}"


def _stat(kind: str) -> str:
    """A quantile's kind with a whole percent in two digits (``q5`` -> ``q05``), as a run's
    ``quantiles.csv`` names them; any other kind as given."""
    if not _QUANTILE.match(kind):
        return kind
    percent = float(kind[1:])
    return f"q{int(percent):02d}" if percent.is_integer() else f"q{percent:g}"


def with_crossing(outputs: list[Output]) -> list[Output]:
    """``outputs`` with ``p_cross:<threshold>`` (by the end) right after every
    ``median_day:<threshold>`` that lacks it: the share of replications crossing is what
    still varies where the median day is censored."""
    have = {o.column for o in outputs}
    out: list[Output] = []
    for o in outputs:
        out.append(o)
        crossing = Output("p_cross", o.name)
        if o.is_day and crossing.column not in have:
            out.append(crossing)
            have.add(crossing.column)
    return out


def parse_output(value: Any) -> Output:
    """Read an output from its name (``p_holds:fdd``) or a mapping (``{claim: fdd}``)."""
    if isinstance(value, Output):
        return value
    if isinstance(value, dict):
        return _from_mapping(value)
    if not isinstance(value, str) or ":" not in value:
        raise OutputSpecError(
            f"an output is <kind>:<name>[@<date>] with kind one of {', '.join(KINDS)} (got {value!r})"
        )
    kind, rest = value.strip().split(":", 1)
    kind = _stat(kind)
    name, _, when = rest.partition("@")
    if kind not in ("median_day", "p_cross", "p_holds", "mean") and not _QUANTILE.match(kind):
        raise OutputSpecError(f"unknown output kind {kind!r}; allowed: {', '.join(KINDS)}")
    on = None
    if when:
        try:
            on = dt.date.fromisoformat(when)
        except ValueError:
            raise OutputSpecError(f"{when!r} is not a date (YYYY-MM-DD)") from None
    if kind in ("median_day", "p_holds") and on is not None:
        raise OutputSpecError(f"{kind} takes no date")
    if kind not in ("median_day", "p_holds", "p_cross") and on is None:
        raise OutputSpecError(f"{kind} needs a date: {kind}:{name or '<measure>'}@YYYY-MM-DD")
    if not name:
        raise OutputSpecError(f"{kind} needs a name")
    return Output(kind, name, on)


def _from_mapping(value: dict[str, Any]) -> Output:
    keys = set(value)
    allowed = {"threshold", "by", "claim", "measure", "date", "stat"}
    unknown = sorted(map(str, keys - allowed))
    if unknown:
        raise OutputSpecError(f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")

    def date(key: str) -> dt.date:
        v = value[key]
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise OutputSpecError(f"{key}: {v!r} is not a date (YYYY-MM-DD)") from None

    if keys <= {"threshold", "by"} and "threshold" in keys:
        name = str(value["threshold"])
        return Output("p_cross", name, date("by")) if "by" in keys else Output("median_day", name)
    if keys == {"claim"}:
        return Output("p_holds", str(value["claim"]))
    if keys >= {"measure", "date"} and keys <= {"measure", "date", "stat"}:
        stat = _stat(str(value.get("stat", "mean")))
        if stat != "mean" and not _QUANTILE.match(stat):
            raise OutputSpecError(f"stat must be mean or q<percent> such as q50 (got {stat!r})")
        return Output(stat, str(value["measure"]), date("date"))
    raise OutputSpecError(
        "give {threshold: NAME} (median day), {threshold: NAME, by: DATE}, {claim: ID} "
        "or {measure: NAME, date: DATE, stat: mean|q<percent>}"
    )


def check_output(out: Output, s: Scenario) -> None:
    """Refuse an output that names nothing in the scenario, or a date outside the run."""
    if out.kind in ("median_day", "p_cross") and out.name not in s.thresholds:
        raise OutputSpecError(f"no threshold named {out.name!r} ({', '.join(s.thresholds) or 'none defined'})")
    if out.kind == "p_holds" and out.name not in {c.id for c in s.claims}:
        raise OutputSpecError(f"no claim {out.name!r} ({', '.join(c.id for c in s.claims) or 'none defined'})")
    if out.kind not in ("median_day", "p_cross", "p_holds") and out.name not in s.measure_names:
        raise OutputSpecError(f"unknown measure {out.name!r}; allowed: {', '.join(s.measure_names)}")
    if out.on is not None and not s.start <= out.on <= s.end:
        raise OutputSpecError(f"date {out.on} must lie between start and end ({s.start}..{s.end})")


def default_outputs(s: Scenario) -> list[Output]:
    """Every threshold's median crossing day and every claim's probability; else the mean
    effective strength on the last day."""
    outs = [Output("median_day", t) for t in s.thresholds] + [Output("p_holds", c.id) for c in s.claims]
    return outs or [Output("mean", "effective", s.end)]


class SnapshotRecorder:
    """Keeps the measures the outputs need on their dates, for every replication."""

    def __init__(self, s: Scenario, outputs: list[Output]):
        self.wanted: dict[int, set[str]] = {}
        for o in outputs:
            if o.kind not in ("median_day", "p_cross", "p_holds"):
                self.wanted.setdefault((o.on - s.start).days, set()).add(o.name)
        self.values: dict[tuple[str, int], np.ndarray] = {}

    def record(self, day: int, m: dict[str, np.ndarray]) -> None:
        for name in self.wanted.get(day, ()):
            self.values[name, day] = m[name].copy()


def point_outputs(
    outputs: list[Output],
    s: Scenario,
    dates: list[dt.date],
    first: dict[str, np.ndarray],
    holds_on: dict[str, np.ndarray],
    snaps: dict[tuple[str, int], np.ndarray],
    rows: slice,
) -> dict[str, Any]:
    """The outputs of one point, from the replications ``rows`` of a batch."""
    from ..claims import evaluate_claim

    days = len(dates)
    out: dict[str, Any] = {}
    for o in outputs:
        if o.is_day:
            f = first[o.name][rows]
            # The median replication's day: infinite when fewer than half cross by the end.
            d = float(np.quantile(np.where(f == NEVER, np.inf, f.astype(float)), 0.5, method="inverted_cdf"))
            crossed = not math.isinf(d)
            out[o.column] = d if crossed else None
            out[f"median_date:{o.name}"] = dates[int(d)] if crossed else None
            out[f"median_crossed:{o.name}"] = crossed
        elif o.kind == "p_cross":
            f = first[o.name][rows]
            by = days - 1 if o.on is None else (o.on - s.start).days
            out[o.column] = float(np.mean((f != NEVER) & (f <= by)))
        elif o.kind == "p_holds":
            view = SimpleNamespace(
                scenario=s,
                dates=dates,
                first_crossing={k: v[rows] for k, v in first.items()},
                holds_on={k: v[rows] for k, v in holds_on.items()},
            )
            claim = next(c for c in s.claims if c.id == o.name)
            out[o.column] = float(evaluate_claim(view, claim)["probability"])
        else:
            v = snaps[o.name, (o.on - s.start).days][rows]
            q = o.quantile
            out[o.column] = float(v.mean()) if q is None else float(np.quantile(v, q))
    return out
