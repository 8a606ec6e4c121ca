"""Evaluating claims: the probability a claim holds, when, and a plain verdict.

Claims are judged on a run's arrays (first-crossing days, states on a date), so this module
sits below :mod:`sim.results`, whose ``Result.claims`` calls :func:`evaluate_claims`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .conditions import deadline
from .measures import CROSSING_COLUMNS, NEVER, as_dates, crossing_stats, describe_condition

if TYPE_CHECKING:
    from .conditions import Claim
    from .results import Result
    from .scenario import Scenario

#: Words for probabilities (the calibrated language of the IPCC's guidance note).
LIKELIHOOD = (
    (0.99, "virtually certain"),
    (0.9, "very likely"),
    (0.66, "likely"),
    (0.33, "about as likely as not"),
    (0.1, "unlikely"),
    (0.01, "very unlikely"),
    (0.0, "exceptionally unlikely"),
)

CLAIM_COLUMNS = [
    "scenario",
    "id",
    "says",
    "who",
    "said_on",
    "file",
    "test",
    "kind",
    "deadline",
    "probability",
    *CROSSING_COLUMNS,
    "likelihood",
    "verdict",
]


#: The claims frame's date columns (pandas dates; ``NaT`` when missing).
CLAIM_DATES = ("said_on", "deadline", *CROSSING_COLUMNS)


def is_date(value: object) -> bool:
    """A date in a claims or thresholds frame (not ``NaT``: nothing crossed, nothing said)."""
    return isinstance(value, dt.date) and not pd.isna(value)


def date_text(value: object, missing: str = "") -> str:
    """A frame's date as ``YYYY-MM-DD``; ``missing`` when there is none."""
    return value.isoformat()[:10] if is_date(value) else missing  # type: ignore[attr-defined]


def crossing_cell(row: dict) -> str:
    """How a claim's row reads in a table: first-crossing dates for a test by a date, ``-``
    for a state on a date (nothing is crossed)."""
    if row["kind"] == "state":
        return "-"
    if not is_date(row["q50"]):
        return "not by end"
    return f"{date_text(row['q50'])} ({date_text(row['q05'])} to {date_text(row['q95'], 'not by end')})"


def likelihood(p: float) -> str:
    """Calibrated words for a probability."""
    for bound, words in LIKELIHOOD:
        if p >= bound:
            return words
    return LIKELIHOOD[-1][1]


#: The colour of each verdict on charts.


#: The verdict's edges: a claim holds at 2/3 or more and fails at 1/3 or less (``decide`` finds
#: the values at these edges too; the claims chart draws them).
VERDICT_CUTS = (1 / 3, 2 / 3)


def verdict(p: float) -> str:
    """``holds`` when p >= 2/3, ``fails`` when p <= 1/3, ``toss-up`` in between (the words of
    :func:`likelihood` say the same in the IPCC's language, whose edges are 0.66 and 0.33)."""
    if p >= VERDICT_CUTS[1]:
        return "holds"
    if p <= VERDICT_CUTS[0]:
        return "fails"
    return "toss-up"


def describe_test(claim: Claim, s: Scenario) -> str:
    t = claim.holds_if
    what = f"threshold {t.threshold}" if t.threshold else describe_condition(t.condition())
    when = deadline(claim, s)
    if t.on is not None:
        return f"{what} on {when}"
    if t.within_days is not None:
        origin = t.from_ or claim.source.date or s.start
        return f"{what} within {t.within_days} days of {origin}"
    return f"{what} by {when}"


def claim_outcomes(result: Result, claim: Claim) -> np.ndarray:
    """Whether the claim holds in each replication of the run (booleans, one per replication)."""
    s = result.scenario
    t = claim.holds_if
    if t.on is not None:
        return np.asarray(result.holds_on[claim.id], dtype=bool)
    first = result.first_crossing[t.threshold if t.threshold else f"claim:{claim.id}"]
    day = (min(deadline(claim, s), s.end) - s.start).days
    return (first != NEVER) & (first <= day)


def evaluate_claim(result: Result, claim: Claim) -> dict:
    """One claim's row: probability it holds, first-crossing dates and verdict."""
    s = result.scenario
    t = claim.holds_if
    when = deadline(claim, s)
    row = {
        "scenario": s.name,
        "id": claim.id,
        "says": claim.says,
        "who": claim.source.who,
        "said_on": claim.source.date,
        "file": claim.source.file,
        "test": describe_test(claim, s),
        "kind": "state" if t.on is not None else "crossing",
        "deadline": when,
        **dict.fromkeys(CROSSING_COLUMNS, pd.NaT),
    }
    p = float(np.mean(claim_outcomes(result, claim)))
    if t.on is None:
        first = result.first_crossing[t.threshold if t.threshold else f"claim:{claim.id}"]
        stats = crossing_stats(first, result.dates)
        row.update({k: stats[k] for k in CROSSING_COLUMNS})
        if when > s.end:
            row["test"] += f" (run ends {s.end})"
    row.update(probability=p, likelihood=likelihood(p), verdict=verdict(p))
    return row


def evaluate_claims(result: Result) -> pd.DataFrame:
    """All of a run's claims as one frame (columns :data:`CLAIM_COLUMNS`)."""
    rows = [evaluate_claim(result, c) for c in result.scenario.claims]
    return as_dates(pd.DataFrame(rows, columns=CLAIM_COLUMNS), CLAIM_DATES)
