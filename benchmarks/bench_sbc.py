"""Simulation-based calibration of forecasts: are the projected bands honest?

Each case draws a "true" parameter set from the prior of a Kursk-like scenario (the combat rate,
the killed share, the day a pullback begins and how long it lasts: two structural parameters),
runs the model once with it (the true history, day-to-day chance included), and lets a reporter
report the casualties every week up to a cut-off, as the observation model says a reporter does:
with a lean drawn from the reporter's prior (the same lean for all its reports) and an error of
its own on each figure.  The scenario is then calibrated on those reports alone, projected with
the posterior, and scored against the true history after the cut-off.

Over many cases, honest 90% bands contain the truth in about 90% of cases and 50% bands in about
half; the truth's rank among the projected runs is uniform; and the posterior bands are narrower
than the prior's (the reports taught something).  Prints the coverage table, the rank histogram,
the mean interval score of the prior and posterior projections, and the time taken.

    python benchmarks/bench_sbc.py              # 100 cases (about 15 minutes on 2 cores)
    python benchmarks/bench_sbc.py --cases 8    # a smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import sim
from sim.domains import domain_of
from sim.estimates import Estimates
from sim.plan import compile_plan
from sim.rules import from_data

#: A contingent of 10,000 in combat from day 10, pulled back for a while and sent back.
SCENARIO = {
    "name": "sbc",
    "start": "2025-01-01",
    "end": "2025-06-29",
    "seed": 1,
    "units": [{"name": "force", "arrive": "2025-01-01", "size": 10_000}],
    "initial_posture": "training",
    "phases": [
        {"from": "2025-01-11", "posture": "combat"},
        {"name": "pullback", "from": {"uniform": ["2025-02-01", "2025-02-20"]}, "posture": "rear"},
        {"from": {"after": "pullback", "days": {"uniform": [10, 40]}}, "posture": "combat"},
    ],
    "postures": {"training": {}, "rear": {}, "combat": {"daily_rate": {"uniform": [0.003, 0.012]}}},
    "casualties": {"killed": {"uniform": [0.1, 0.4]}},
    "wounded": {"return_to_duty": 0.2, "recovery_days": {"mean": 21, "min": 7}},
}
FITTED = ["postures.combat.daily_rate", "casualties.killed", "phases.1.from", "phases.2.from.days"]
CUTOFF = 59  # 1 March: reports up to it are seen
REPORT_DAYS = range(17, CUTOFF + 1, 7)  # a report a week from the end of the first week of combat
HORIZONS = (30, 60, 90)  # days after the cut-off at which the projection is scored
MEASURE = "casualties"
REPORTER = {"bias": 1.2, "bias_spread": 0.25, "spread": 0.0}  # a reporter expected to count high
RELATIVE_ERROR = 0.2  # each figure's own error
BANDS = {"50%": (0.25, 0.75), "90%": (0.05, 0.95)}
PROJECTION_REPS = 1000


def interval_score(lo: float, hi: float, y: float, alpha: float = 0.1) -> float:
    """The interval score of a central (1 - alpha) band (Gneiting and Raftery 2007)."""
    import scoringrules as sr

    return float(np.asarray(sr.interval_score(y, lo, hi, alpha)).ravel()[0])


def one_case(args: tuple[int, dict]) -> dict:
    case, settings = args
    s = from_data(SCENARIO)
    rng = np.random.default_rng([2025, case])
    # The truth: parameters from the prior, one run of the model.
    plan = compile_plan(s)
    truth = {p: float(plan.params[p].sample(rng, 1, *domain_of(p)[:2])[0]) for p in FITTED}
    history = sim.run(s, reps=1, seed=10_000 + case, values={p: np.array([v]) for p, v in truth.items()},
                      keep_trajectories=True).trajectories[MEASURE][0]  # fmt: skip
    # The reports: the reporter's lean (drawn once) and each figure's own error.
    lean = math.exp(math.log(REPORTER["bias"]) + REPORTER["bias_spread"] * rng.standard_normal())
    sigma = math.log1p(RELATIVE_ERROR)
    items = []
    for d in REPORT_DAYS:
        figure = math.expm1(math.log1p(history[d]) + math.log(lean) + sigma * rng.standard_normal())
        items.append(
            {
                "id": f"day-{d}",
                "date": str(s.start + dt.timedelta(days=d)),
                "kind": "casualties",
                "value": round(max(figure, 0.0)),
                "says": "a weekly count",
                "who": "the reporter",
                "outlet": "simulated",
                "reference": "simulation-based calibration",
                "reporter": "reporter",
            }
        )
    est = Estimates.model_validate(
        {
            "case": "sbc",
            "default_relative_error": RELATIVE_ERROR,
            "reporters": {"reporter": REPORTER},
            "estimates": items,
        }
    )
    cal = sim.calibrate(s, est, FITTED, until=s.start + dt.timedelta(days=CUTOFF), walkers=settings["walkers"],
                        steps=settings["steps"], reps=settings["reps"], seed=case)  # fmt: skip
    prior = sim.run(s, reps=PROJECTION_REPS, seed=case, keep_trajectories=True).trajectories[MEASURE]
    post = sim.run(s, reps=PROJECTION_REPS, seed=case, values=cal.draws(reps=PROJECTION_REPS),
                   keep_trajectories=True).trajectories[MEASURE]  # fmt: skip
    out = {"case": case, "truth": truth, "lean": lean, "rows": []}
    for h in HORIZONS:
        day = CUTOFF + h
        y = float(history[day])
        row = {"horizon": h, "truth": y}
        for name, runs in (("prior", prior[:, day]), ("posterior", post[:, day])):
            q = np.quantile(runs, [0.05, 0.25, 0.75, 0.95])
            row[f"{name}_in_50%"] = bool(q[1] <= y <= q[2])
            row[f"{name}_in_90%"] = bool(q[0] <= y <= q[3])
            row[f"{name}_width_90"] = float(q[3] - q[0])
            row[f"{name}_interval_score"] = interval_score(q[0], q[3], y)
            # The truth's rank among the runs (ties split at their middle).
            row[f"{name}_rank"] = float((np.sum(runs < y) + 0.5 * np.sum(runs == y)) / len(runs))
        out["rows"].append(row)
    return out


def report(results: list[dict], seconds: float) -> None:
    rows = [r for res in results for r in res["rows"]]
    n = len(results)
    print(f"{n} cases, {len(rows)} scored projections ({len(HORIZONS)} horizons each), {seconds / 60:.1f} minutes")
    print()
    print("coverage of the true history by the projected bands (expected 50% and 90%)")
    print(f"{'horizon':>10} {'posterior 50%':>14} {'posterior 90%':>14} {'prior 50%':>10} {'prior 90%':>10}")
    for h in (*HORIZONS, "all"):
        part = rows if h == "all" else [r for r in rows if r["horizon"] == h]
        cells = [np.mean([r[f"{w}_in_{b}"] for r in part]) for w in ("posterior", "prior") for b in BANDS]
        label = f"+{h} days" if h != "all" else "all"
        print(f"{label:>10} {cells[0]:>14.0%} {cells[1]:>14.0%} {cells[2]:>10.0%} {cells[3]:>10.0%}")
    print()
    for who in ("posterior", "prior"):
        ranks = np.array([r[f"{who}_rank"] for r in rows])
        counts, _ = np.histogram(ranks, bins=10, range=(0, 1))
        from scipy.stats import chisquare

        p = chisquare(counts).pvalue
        print(f"rank histogram, {who} (10 bins, uniform expects {len(rows) / 10:.0f} each): {counts.tolist()}"
              f"  chi-square p = {p:.2f}")  # fmt: skip
    print()
    for who in ("prior", "posterior"):
        score = np.mean([r[f"{who}_interval_score"] for r in rows])
        width = np.mean([r[f"{who}_width_90"] for r in rows])
        print(f"{who:>9}: mean 90% interval score {score:9,.0f}; mean 90% band width {width:9,.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--walkers", type=int, default=16)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--reps", type=int, default=48)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    settings = {"walkers": a.walkers, "steps": a.steps, "reps": a.reps}
    lean = f"x{REPORTER['bias']} (log spread {REPORTER['bias_spread']})"
    print(f"simulation-based calibration: {a.cases} cases; calibrate {a.walkers} walkers x {a.steps} steps x "
          f"{a.reps} runs; fitted {', '.join(FITTED)}; reports a week apart to day {CUTOFF}, from a reporter "
          f"leaning {lean}, each with a {RELATIVE_ERROR:.0%} error")  # fmt: skip
    started = time.perf_counter()
    with ProcessPoolExecutor(a.workers) as pool:
        results = list(pool.map(one_case, [(c, settings) for c in range(a.cases)]))
    report(results, time.perf_counter() - started)


if __name__ == "__main__":
    main()
