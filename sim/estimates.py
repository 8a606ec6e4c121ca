"""Reported estimates: dated figures from the sources, each with who said it and where.

An estimates file is YAML::

    case: dprk-kursk
    default_relative_error: 0.25     # for figures reported without a range
    estimates:
      - id: nis-casualties-2025-01
        date: 2025-01-13             # or dates: [2025-01-10, 2025-01-15] for a range
        kind: casualties             # see KINDS
        value: 3000                  # and/or low/high
        lower_bound: false           # true for "more than ..."
        says: NIS assessed about 300 killed and 2,700 wounded (paraphrase)
        who: South Korea's National Intelligence Service
        outlet: FDD's Long War Journal
        file: 000_d5a8303e657b57dc.txt

Estimates are validated like scenarios (unknown keys refused, ranges checked, one-line
errors naming file and field).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from .errors import InputError
from .fields import Date, Name, Strict
from .yamlfile import read_yaml, validation_error

#: What a reported figure counts.  Kinds that are model measures can be overlaid on plots and
#: used for calibration; the others are context:
#:
#: ``expected`` (a total someone expects, not a count of those present), ``reinforcements``
#: (people expected or sent later), ``reserve`` (a pool they could come from, such as a whole
#: corps), ``formations`` (a number of units: brigades, teams), ``unit_size`` (people in one
#: unit or group), ``event_losses`` (losses in one engagement, not a running total),
#: ``duration_days`` (a span of time in days), ``share`` (a fraction, 0..1), ``equipment``
#: (systems supplied) and ``event`` (something that happened; no figure needed).
KINDS = (
    "deployed",
    "arrived",
    "effective",
    "killed",
    "wounded",
    "casualties",
    "missing",
    "captured",
    "expected",
    "reinforcements",
    "reserve",
    "formations",
    "unit_size",
    "event_losses",
    "duration_days",
    "share",
    "equipment",
    "event",
)
#: Kinds that correspond to a model measure (captured people count as missing).
MEASURE_OF_KIND = {
    "deployed": "deployed",
    "arrived": "arrived",
    "effective": "effective",
    "killed": "killed",
    "wounded": "wounded",
    "casualties": "casualties",
    "missing": "missing",
    "captured": "missing",
}


class Reporter(Strict):
    """A reporter, or a group of them with the same interest (a government counting its enemy's
    losses, an intelligence service, a think tank): how its figures may lean."""

    bias: float = Field(1.0, gt=0, le=100, allow_inf_nan=False)
    """The factor its figures are expected to carry, before the data (the prior median): 1 for no
    expected lean, 1.5 for figures expected half again too high, 0.8 for a fifth too low. Every
    figure of the group shares one factor, fitted with the model."""
    bias_spread: float = Field(0.3, ge=0, le=3, allow_inf_nan=False)
    """How unsure that factor is: the standard deviation of its logarithm (0.3: the factor lies
    within about x/÷ 1.6 of `bias` in 90% of cases; 0: the factor is `bias` exactly)."""
    spread: float = Field(0.0, ge=0, le=3, allow_inf_nan=False)
    """Error of each of its figures on top of the figure's own (its range, or the file's
    `default_relative_error`), as a standard deviation on the log scale: how much its figures
    scatter around its own lean."""
    note: str = ""
    """Who the group is and why its figures may lean this way."""


class Estimate(Strict):
    """One dated figure (or event) from a source."""

    id: Name
    """The figure's identifier, unique in the file; derivations (`{derive: {figure: <id>}}`) and
    `calibrate --exclude` name the figure by it."""
    date: Date | None = None
    """The day the figure stands on. Give this or `dates`."""
    dates: tuple[Date, Date] | None = None
    """`[first, last]`: the days a figure dated only roughly ("mid-January") may stand on. Charts
    put it at the middle; calibration compares it with the measure's average over the days."""
    kind: Literal[KINDS]  # type: ignore[valid-type]
    """What the figure counts. Kinds that are model measures (`deployed`, `arrived`, `effective`,
    `killed`, `wounded`, `casualties`, `missing`, and `captured`, counted as missing) are drawn on
    the charts and fitted by calibration. The others are context: `expected` (a total someone
    expects), `reinforcements` (people expected or sent later), `reserve` (a pool they could come
    from), `formations` (a number of units), `unit_size` (people in one unit), `event_losses`
    (losses in one engagement), `duration_days` (a span in days), `share` (a fraction 0-1),
    `equipment` (systems supplied) and `event` (something that happened; no figure needed)."""
    counts: Name | None = None
    """The model measure the figure counts when it is not its kind's: one a scenario defines under
    `measures` (a report of deaths, `kind: killed, counts: deaths`, when the scenario has `deaths:
    killed + died_of_wounds`), or the opponent's (`kind: effective, counts: opponent.effective`).
    Calibration fits it only against scenarios that have it."""
    value: float | None = Field(None, ge=0, allow_inf_nan=False)
    """The reported figure, in its kind's unit (people for counts, days for `duration_days`, a
    share 0-1 for `share`). A figure needs this, or `low` and `high`, unless its kind is `event`."""
    low: float | None = Field(None, ge=0, allow_inf_nan=False)
    """The low end of a reported range, given with `high`; `value`, if given too, lies between
    them. Calibration reads the range as a 90% interval."""
    high: float | None = Field(None, ge=0, allow_inf_nan=False)
    """The high end of a reported range, given with `low`, not below it."""
    lower_bound: bool = False
    """True for "more than `value`" (or more than `low`): calibration then uses only that the true
    figure exceeds it, and a derivation refuses the figure."""
    says: str = Field(min_length=1)
    """What the source says, in words (a paraphrase, not a quotation)."""
    who: str = Field(min_length=1)
    """Who gave the figure: a person, an office, an organisation."""
    outlet: str = Field(min_length=1)
    """The outlet that carried it (`outlet not named in the source` when the text does not say)."""
    file: str | None = Field(None, pattern=r"^\d{3}_[0-9a-f]+\.txt$")
    """The source article's file name among the case's stored articles: three digits, `_`,
    hexadecimal digits, `.txt` (`000_d5a8303e657b57dc.txt`). Give this, `url` or `reference`."""
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    """The address of the source on the web (`https://...`)."""
    reference: str | None = Field(None, min_length=1)
    """A published source: authors, year, title, where it appeared (`Engel, J. H. (1954). A
    verification of Lanchester's law. Journal of the Operations Research Society of America
    2(2): 163-171`)."""
    note: str = ""
    """How the date or the figure was worked out, and anything else a reader should know."""
    reporter: Name | None = None
    """The reporter or group of reporters it comes from, a name under the file's `reporters`:
    calibration then fits that group's lean with the model. Absent: the figure is read without
    a lean (only with its own error)."""
    revises: Name | None = None
    """The id of an earlier figure that this one revises (a corrected or updated count of the same
    thing): calibration fits this one and leaves the earlier out."""

    @model_validator(mode="after")
    def _consistent(self) -> Estimate:
        if self.file is None and self.url is None and self.reference is None:
            raise ValueError("name the source: give file, url or reference")
        if (self.date is None) == (self.dates is None):
            raise ValueError("give date or dates (a [first, last] range), not both")
        if self.dates is not None and self.dates[0] > self.dates[1]:
            raise ValueError("dates must be [first, last] in order")
        has_figure = self.value is not None or (self.low is not None and self.high is not None)
        if self.kind != "event" and not has_figure:
            raise ValueError("a figure needs value, or low and high")
        if (self.low is None) != (self.high is None):
            raise ValueError("give low and high together")
        if self.low is not None and self.high is not None:
            if self.low > self.high:
                raise ValueError(f"low ({self.low:g}) must not exceed high ({self.high:g})")
            if self.value is not None and not self.low <= self.value <= self.high:
                raise ValueError(f"value ({self.value:g}) must lie within low..high")
        if self.kind == "share" and max(v for v in (self.value, self.high, 0.0) if v is not None) > 1:
            raise ValueError("a share is a fraction between 0 and 1")
        return self

    @property
    def first_date(self) -> dt.date:
        return self.date or self.dates[0]  # type: ignore[index]

    @property
    def last_date(self) -> dt.date:
        return self.date or self.dates[1]  # type: ignore[index]

    @property
    def mid_date(self) -> dt.date:
        return self.first_date + (self.last_date - self.first_date) / 2

    @property
    def central(self) -> float | None:
        """The reported value, or the middle of the range."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return None

    @property
    def source_label(self) -> str:
        """Where the figure is from, in a few characters: the stored file's number, the web
        address's host, or the reference's first words."""
        if self.file:
            return self.file[:3]
        if self.url:
            return self.url.split("/")[2]
        return self.reference.split(".")[0] if self.reference else ""

    @property
    def measure(self) -> str | None:
        """The model measure the figure is compared with (None: none, the figure is context)."""
        return self.counts or MEASURE_OF_KIND.get(self.kind)


class Estimates(Strict):
    """A file of reported estimates for one case."""

    case: Name
    """The case's name (`dprk-kursk`)."""
    description: str = ""
    """What the figures are about, in words."""
    default_relative_error: float = Field(0.25, gt=0, le=5, allow_inf_nan=False)
    """The error of a figure reported without a range, as a share of the figure (0.25: about 25%
    either way); calibration reads it as a log-normal error of spread `log(1 + error)`."""
    reporters: dict[Name, Reporter] = Field(default_factory=dict)
    """Reporters or groups of them whose figures may lean (see `reporter` on a figure), by name."""
    estimates: list[Estimate] = Field(min_length=1)
    """The reported figures (at least one), each with its source."""

    @field_validator("estimates")
    @classmethod
    def _unique_ids(cls, items: list[Estimate]) -> list[Estimate]:
        seen: set[str] = set()
        for e in items:
            if e.id in seen:
                raise ValueError(f"estimate id {e.id!r} is used twice")
            seen.add(e.id)
        return items

    @model_validator(mode="after")
    def _references(self) -> Estimates:
        by_id = {e.id: e for e in self.estimates}
        for e in self.estimates:
            if e.reporter is not None and e.reporter not in self.reporters:
                known = ", ".join(self.reporters) or "none declared"
                raise ValueError(f"estimate {e.id!r}: reporter {e.reporter!r} is not under reporters ({known})")
            if e.revises is not None:
                earlier = by_id.get(e.revises)
                if earlier is None:
                    raise ValueError(f"estimate {e.id!r}: revises {e.revises!r}, which is not in the file")
                if earlier is e or earlier.last_date > e.last_date:
                    raise ValueError(f"estimate {e.id!r}: revises {e.revises!r}, which must be an earlier figure")
        return self

    def revised(self) -> set[str]:
        """The ids of figures that a later one revises."""
        return {e.revises for e in self.estimates if e.revises is not None}

    def get(self, estimate_id: str) -> Estimate:
        for e in self.estimates:
            if e.id == estimate_id:
                return e
        raise KeyError(estimate_id)

    def frame(self) -> pd.DataFrame:
        """One row per estimate, dates as timestamps (mid-point of a range in ``date``)."""
        rows = []
        for e in self.estimates:
            rows.append(
                {
                    "id": e.id,
                    "date": pd.Timestamp(e.mid_date),
                    "first": pd.Timestamp(e.first_date),
                    "last": pd.Timestamp(e.last_date),
                    "kind": e.kind,
                    "measure": e.measure,
                    "value": e.central,
                    "low": e.low,
                    "high": e.high,
                    "lower_bound": e.lower_bound,
                    "says": e.says,
                    "who": e.who,
                    "outlet": e.outlet,
                    "file": e.file,
                    "url": e.url,
                    "reference": e.reference,
                }
            )
        return pd.DataFrame(rows)

    def overlay(self, measure: str) -> pd.DataFrame:
        """Figures of one model measure for charts, one row each: ``date`` (the middle of a span
        of days, ``first`` to ``last``), ``value``, ``low`` and ``high`` (the reported range; the
        figure itself when none was given), ``ranged`` (whether a range was given),
        ``relative_error`` (for a figure without a range, the file's ``default_relative_error``
        that calibration reads it with), ``lower_bound``, ``id``, and ``label``: who reported it,
        the reporter group when the figure names one, else ``who``, with ``rank``, its place
        among all the file's labels of model measures, so that it keeps its marker on every
        chart."""
        f = self.frame()
        shown = f[f["measure"].notna()]
        labels = shown["id"].map({e.id: e.reporter or e.who for e in self.estimates})
        rank = {label: i for i, label in enumerate(dict.fromkeys(labels))}
        f = f[f["measure"] == measure].copy()
        f["ranged"] = f["low"].notna() & f["high"].notna()
        f["relative_error"] = self.default_relative_error
        f.loc[f["ranged"], "relative_error"] = float("nan")
        f["low"] = f["low"].fillna(f["value"])
        f["high"] = f["high"].fillna(f["value"])
        f["label"] = labels.reindex(f.index)
        f["rank"] = f["label"].map(rank)
        cols = ["date", "value", "low", "high", "label", "id", "first", "last", "ranged", "relative_error"]
        return f[[*cols, "lower_bound", "rank"]].reset_index(drop=True)


def load_estimates(path: str | Path) -> Estimates:
    """Load and validate an estimates file; errors are one-line :class:`InputError`.

    A file is read once while it is unchanged (many scenarios share one estimates file).
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return _load(str(path))
    return _load_unchanged(str(path), str(p.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _load_unchanged(src: str, resolved: str, mtime_ns: int, size: int) -> Estimates:
    return _load(src)


def _load(src: str) -> Estimates:
    data, lines = read_yaml(src, what="estimates")
    try:
        return Estimates.model_validate(data)
    except ValidationError as exc:
        err = validation_error(src, exc, lines)
    # Name the estimate as well as its index, so the analyst finds it without counting.
    parts = err.field.split(".")
    items = data.get("estimates")
    if len(parts) >= 2 and parts[0] == "estimates" and parts[1].isdigit() and isinstance(items, list):
        item = items[int(parts[1])] if int(parts[1]) < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            err = InputError(src, err.field, f"{err.rule} (estimate {item['id']!r})", err.line)
    raise err


def estimates_for(
    scenario_path: str | Path, scenario_estimates: str | None, line: int | None = None
) -> Estimates | None:
    """The estimates file a scenario names (relative to the scenario file), loaded.

    Parameters
    ----------
    scenario_path : str or Path
        The scenario file.
    scenario_estimates : str or None
        Its ``estimates`` value (None or empty: no estimates).
    line : int, optional
        The line of ``estimates`` in the scenario file, for errors.

    Raises
    ------
    InputError
        Naming the scenario file and its ``estimates`` field, and the estimates file's own
        error (``s.yaml:3: estimates: in est.yaml:9: estimates.0.value: ...``).
    """
    if not scenario_estimates:
        return None
    src = str(scenario_path)
    p = Path(scenario_path).parent / scenario_estimates
    if not p.exists():
        raise InputError(src, "estimates", f"no estimates file at {p}", line)
    try:
        return load_estimates(p)
    except InputError as exc:
        raise InputError(src, "estimates", f"in {exc}", line) from None
