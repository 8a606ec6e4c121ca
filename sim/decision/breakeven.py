"""Break-even values: the value of one assumption at which a claim's probability crosses 1/2.

For each assumption (a numeric parameter of the scenario, over a range), the others keep their
scenario distributions, and the claim's probability is a function of the assumption's value
alone.  Every value is run with the same seed, so the runs share their random numbers (common
random numbers: the other parameters' draws and the day-to-day draws are the same at every
value), and the estimated probability moves with the value, not with the noise.  A root-finder
(Brent's method, :func:`scipy.optimize.brentq`) then finds where it crosses 1/2 (and 1/3 and
2/3, the edges of the verdict words), evaluating the probability only where it needs to, to a
stated precision in the value.

The replications per value follow from a stated precision of the probability: the standard
error of a probability near 1/2 is ``0.5 / sqrt(reps)``, so a precision of 0.02 takes 625.  The
uncertainty of a break-even is a bootstrap over the replications: resampling them, the
probability at the evaluated values is recomputed and its crossing interpolated, giving a 90%
interval.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..claims import VERDICT_CUTS, claim_outcomes, verdict
from ..domains import domain_of, value_text
from ..errors import InputError
from ..loading import load_scenario
from ..params import Param
from ..plan import Plan, compile_plan
from ..rules import check_run_size
from ..runner import run
from ..scenario import Scenario
from ..streams import generator
from ..sweeps.file import parse_param_option
from ..sweeps.ranges import check_ranges
from ..when import DAY_KEYS

#: The probabilities whose crossing is looked for: the verdict's middle and its two edges.
TARGETS = (1 / 2, *VERDICT_CUTS)
#: Columns of :func:`decide`'s frame.
COLUMNS = [
    "param",
    "low",
    "high",
    "scenario_value",
    "p_at_low",
    "p_at_high",
    "break_even",
    "break_even_q05",
    "break_even_q95",
    "at_one_third",
    "at_two_thirds",
    "holds",
    "crossings",
    "p_min",
    "p_max",
    "distance",
    "evaluations",
    "reps",
    "seconds",
    "sentence",
]
BOOTSTRAP = 400  # resamples of the replications for a break-even's interval


def sentence(row: Mapping, claim: str, start: dt.date) -> str:
    """The row in words: on which side of its break-even the claim holds, or that it holds or
    fails across the whole range."""
    path = row["param"]
    own = value_text(path, row["scenario_value"], start)
    if row["break_even"] is None or not math.isfinite(row["break_even"]):
        lo, hi = row["p_at_low"], row["p_at_high"]
        if row["p_min"] >= 0.5:  # the verdict's words only where the verdict says so
            state = "holds" if verdict(row["p_min"]) == "holds" else "stays more likely than not"
        elif row["p_max"] < 0.5:
            state = "fails" if verdict(row["p_max"]) == "fails" else "stays less likely than not"
        else:
            state = "is near even"
        return (
            f"{claim} {state} across {path} from {value_text(path, row['low'], start)} to "
            f"{value_text(path, row['high'], start)} (probability {lo:.0%} to {hi:.0%})"
        )
    side = side_words(path, row["holds"])
    x = value_text(path, row["break_even"], start)
    lo, hi = value_text(path, row["break_even_q05"], start), value_text(path, row["break_even_q95"], start)
    interval = f" (90%: {lo} to {hi})" if lo and hi else ""
    more = "; it crosses 1/2 more than once in the range (the crossing nearest the scenario's value)"
    return f"{claim} holds when {path} is {side} {x}{interval}; the scenario assumes {own}" + (
        more if row.get("crossings", 1) > 1 else ""
    )


def side_words(path: str, holds: str) -> str:
    """On which side of its break-even the claim holds, in words: ``below``/``above``, or
    ``before``/``after`` for a date."""
    if path.rsplit(".", 1)[-1] in (*DAY_KEYS, "leave"):
        return {"below": "before", "above": "after"}.get(holds, holds)
    return holds


def reps_for(precision: float) -> int:
    """Replications per value for a standard error of ``precision`` in a probability near 1/2."""
    if not 0.001 <= precision <= 0.25:
        raise InputError("--precision", "precision", f"must be between 0.001 and 0.25 (got {precision:g})")
    return math.ceil(0.25 / precision**2)


@dataclass
class Curve:
    """The claim's probability as a function of one parameter's value: every value evaluated,
    with the outcome of each replication there."""

    path: str
    evaluate: Callable[[float], np.ndarray]
    outcomes: dict[float, np.ndarray] = field(default_factory=dict)

    def p(self, x: float) -> float:
        x = float(x)  # the engine rounds what it takes whole (a size, a day), as for any run
        if x not in self.outcomes:
            self.outcomes[x] = self.evaluate(x)
        return float(self.outcomes[x].mean())

    def crossing(self, target: float, grid: list[float], near: float, xtol: float) -> tuple[float | None, str, int]:
        """Where the probability crosses ``target``: among the intervals of ``grid`` (sorted values
        from the range's low end to its high end) whose ends lie on either side, the one nearest
        to ``near``, where Brent's method finds it.  Returns the value (None: no interval crosses),
        the side on which the probability is the higher (``below`` or ``above``) and how many
        intervals of the grid cross."""
        p = [self.p(x) - target for x in grid]
        brackets = [(a, b, pa, pb) for a, b, pa, pb in zip(grid, grid[1:], p, p[1:], strict=False) if pa * pb <= 0]
        brackets = [br for br in brackets if not (br[2] == 0 and br[3] == 0)]
        if not brackets:
            return None, "", 0
        a, b, pa, pb = min(
            brackets, key=lambda br: 0.0 if br[0] <= near <= br[1] else min(abs(br[0] - near), abs(br[1] - near))
        )
        side = "below" if pa > pb else "above"
        if pa == 0:
            return a, side, len(brackets)
        if pb == 0:
            return b, side, len(brackets)
        return float(brentq(lambda x: self.p(x) - target, a, b, xtol=xtol, maxiter=60)), side, len(brackets)

    def interval(self, target: float, near: float, seed: int) -> tuple[float, float]:
        """A bootstrap 90% interval of the crossing of ``target`` nearest to ``near``: the
        replications resampled, the probability at the evaluated values recomputed, and its
        crossing interpolated between them."""
        xs = np.array(sorted(self.outcomes))
        outcomes = np.stack([self.outcomes[x] for x in xs]).astype(float)  # (values, reps)
        reps = outcomes.shape[1]
        rng = generator(seed, "decide.bootstrap", zlib.crc32(self.path.encode()))
        counts = rng.multinomial(reps, np.full(reps, 1.0 / reps), size=BOOTSTRAP).T  # (reps, resamples)
        p = outcomes @ counts / reps - target  # (values, resamples)
        found = np.full(BOOTSTRAP, np.nan)
        for k in range(BOOTSTRAP):
            sign = np.sign(p[:, k])
            edges = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
            if not edges.size:
                continue
            i = edges[np.argmin(np.abs(xs[edges] - near))]
            y0, y1 = p[i, k], p[i + 1, k]
            found[k] = xs[i] if y0 == y1 else xs[i] + (xs[i + 1] - xs[i]) * y0 / (y0 - y1)
        if np.isnan(found).all():
            return (math.nan, math.nan)
        lo, hi = np.nanquantile(found, [0.05, 0.95])
        return float(lo), float(hi)


def default_range(p: Param, path: str, given: bool = False) -> tuple[float, float]:
    """An uncertain parameter's own range: its support on its field's domain, or the 1% and 99%
    quantiles of a distribution without bounds (a normal, a lognormal); a scenario's range of
    dates as those dates (a range ``given`` in days is taken as it is)."""
    low, high, _ = domain_of(path)
    if p.is_fixed:
        return low, high
    if p.is_unbounded:
        q = p.quantile(np.array([0.01, 0.99]), low, high)
        return float(q[0]), float(q[1])
    a, b = p.support(low, high)
    if not given and path.rsplit(".", 1)[-1] in (*DAY_KEYS, "leave") and b - a > 1:
        # A day drawn from a range of dates spans half a day either side of its first and last
        # dates (each replication rounds it): the range is those dates.
        a, b = a + 0.5, b - 0.5
    return a, b


def _uncertain(path: str, p: Param) -> bool:
    """A distribution, or a chance strictly between 0 and 1 (whether an event happens at all is
    uncertain; its range is then 0 to 1)."""
    return not p.is_fixed or (path.endswith(".chance") and 0.0 < p.mean < 1.0)


def _ranges(
    s: Scenario, plan: Plan, params: Mapping[str, Param] | list[str] | tuple[str, ...] | None
) -> dict[str, tuple[float, float]]:
    """The parameters to decide on, with their ranges: the given ones (``PATH=RANGE`` strings or
    parameters by path), else every uncertain parameter over its own range."""
    if not params:
        ranges = {path: default_range(p, path) for path, p in plan.params.items() if _uncertain(path, p)}
        if not ranges:
            raise InputError("--param", "params", "the scenario has no uncertain parameter; give ranges with --param")
        return ranges
    given: dict[str, tuple[Param, str, str, int | None]] = {}
    items = params.items() if isinstance(params, Mapping) else (parse_param_option(x) for x in params)
    for path, p in items:
        if path in given:
            raise InputError("--param", path, "is given twice; give each parameter once")
        given[path] = (p, "--param", path, None)
    check_ranges(s, given)
    return {path: default_range(p, path, given=True) for path, (p, *_) in given.items()}


def _scenario_value(plan: Plan, path: str) -> float:
    p = plan.params[path]
    low, high, _ = domain_of(path)
    return float(p.quantile(np.array([0.5]), low, high)[0])


def decide(
    scenario: Scenario | str | Path,
    claim: str,
    params: Mapping[str, Param] | list[str] | tuple[str, ...] | None = None,
    *,
    overrides: list[str] | tuple[str, ...] = (),
    precision: float = 0.02,
    seed: int | None = None,
    workers: int = 1,
    on_param: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Break-even values of a claim: for each assumption, the value at which the probability that
    the claim holds crosses 1/2 (and 1/3 and 2/3), the others at their scenario distributions.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario; ``overrides`` (``path=value`` strings) are applied to it first.
    claim : str
        The claim's id.
    params : list of ``PATH=RANGE`` strings, or mapping of path to range, optional
        The assumptions and their ranges (``wounded.return_to_duty=0:0.3``); a fixed parameter
        of the scenario may be given a range.  Default: every uncertain parameter of the
        scenario, over its own range.
    precision : float
        Standard error of each evaluated probability near 1/2; sets the replications per value.
    seed : int, optional
        The runs' seed (default: the scenario's); the same at every value.
    workers : int
        Assumptions worked on at once (threads; the result does not depend on it).
    on_param : callable, optional
        Called with each parameter's path when it is done (progress).

    Returns
    -------
    DataFrame
        One row per assumption (columns :data:`COLUMNS`), sorted by ``distance``: how far the
        break-even lies from the scenario's own value, as a share of the range (closest first;
        assumptions whose range holds no break-even last).  ``holds`` says on which side of the
        break-even the claim holds (``below`` or ``above``; an empty string without one).
    """
    s = load_scenario(scenario, overrides, overrides_src="--set")
    found = [c for c in s.claims if c.id == claim]
    if not found:
        known = ", ".join(c.id for c in s.claims) or "none"
        raise InputError("--claim", claim, f"no claim with this id in scenario {s.name!r} (claims: {known})")
    seed = s.seed if seed is None else int(seed)
    check_run_size(None, seed)
    reps = reps_for(precision)
    plan = compile_plan(s)
    ranges = _ranges(s, plan, params)

    def one(path: str) -> dict:
        started = time.perf_counter()

        def evaluate(x: float) -> np.ndarray:
            result = run(plan, reps=reps, seed=seed, samples=0, values={path: np.full(reps, x)})
            return claim_outcomes(result, found[0])

        curve = Curve(path, evaluate)
        low, high = ranges[path]
        xtol = max((high - low) * 1e-3, 1e-12)
        own = _scenario_value(plan, path) if path in plan.params else math.nan
        # The ends, the scenario's own value and the points half way: a claim that holds only in
        # the middle of a range (or only at its ends) is not missed.
        inner = [own] if low < own < high else [(low + high) / 2]
        grid = sorted({low, high, *inner, (low + inner[0]) / 2, (inner[0] + high) / 2})
        found_at = {t: curve.crossing(t, grid, own if math.isfinite(own) else (low + high) / 2, xtol) for t in TARGETS}
        at = {t: v[0] for t, v in found_at.items()}
        evaluated = [curve.p(x) for x in grid]
        row = {
            "param": path,
            "low": low,
            "high": high,
            "scenario_value": own,
            "p_at_low": curve.p(low),
            "p_at_high": curve.p(high),
            "break_even": at[1 / 2],
            "break_even_q05": None,
            "break_even_q95": None,
            "at_one_third": at[1 / 3],
            "at_two_thirds": at[2 / 3],
            "holds": "",
            "crossings": found_at[1 / 2][2],
            "p_min": min(evaluated),
            "p_max": max(evaluated),
            "distance": math.inf,
        }
        if at[1 / 2] is not None:
            row["break_even_q05"], row["break_even_q95"] = curve.interval(1 / 2, at[1 / 2], seed)
            row["holds"] = found_at[1 / 2][1]
            row["distance"] = abs(at[1 / 2] - own) / (high - low) if high > low else 0.0
        row.update(evaluations=len(curve.outcomes), reps=reps, seconds=time.perf_counter() - started)
        row["sentence"] = sentence(row, claim, s.start)
        if on_param is not None:
            on_param(path)
        return row

    with ThreadPoolExecutor(max(1, workers)) as pool:
        rows = list(pool.map(one, ranges))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("break_even", "break_even_q05", "break_even_q95", "at_one_third", "at_two_thirds"):
        frame[c] = pd.to_numeric(frame[c])
    return frame.sort_values("distance", kind="stable").reset_index(drop=True)
