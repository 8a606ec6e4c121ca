"""``simulate.py score``: a projection scored against the figures reported after a cut-off (a
thin layer over :func:`sim.scoring.scoring`).

RUN_OR_SCENARIO is a scenario file, or a folder written by ``simulate.py run``: its
``scenario.yaml`` (the resolved scenario, with the run's seed and reps) is run again, with the
posterior file the run drew from when its ``summary.json`` records one, so the projection is
the run's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from .cli_common import WIDE, Fail, console, make_table, output_folder, sha256_of, workers_option
from .errors import InputError
from .estimates import estimates_for, load_estimates
from .folders import default_out_dir
from .loading import load_scenario
from .outputs import write_score
from .parallel import check_workers
from .plan import compile_plan
from .posterior import posterior_draws
from .rules import check_run_size
from .scoring import ScoringError, as_date, held_out, records, scoring


@click.command()
@click.argument("source", metavar="RUN_OR_SCENARIO", type=click.Path(path_type=str))
@click.option(
    "--against",
    default=None,
    metavar="ESTIMATES",
    help="Reported-estimates file [default: the one the scenario names].",
)
@click.option(
    "--after",
    default=None,
    metavar="DATE",
    help="The cut-off: score the reports dated after DATE, which the projection had not seen "
    "[default: every report dated within the run].",
)
@click.option(
    "--posterior",
    type=click.Path(dir_okay=False),
    default=None,
    help="Parquet file of parameter samples (from calibrate): each run draws a row "
    "[default: the one a run folder records, else none].",
)
@click.option("--reps", type=int, default=None, help="Replications [default: the scenario's, or the run's].")
@click.option("--seed", type=int, default=None, help="Seed [default: the scenario's, or the run's].")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value, e.g. --set postures.combat.per_day=120 (repeatable).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder [default: out/<scenario name>-score].",
)
@click.option(
    "--truth",
    is_flag=True,
    help="Compare each report with the model's true figure, not with the figure as it would be reported "
    "(the reporter's lean and the report's own error).",
)
@workers_option("Threads sharing out blocks of 1,000 replications")
@click.option("--no-plot", is_flag=True, help="Skip the PNG chart.")
@click.option("--quiet", "-q", is_flag=True, help="No table.")
def score(
    source: str,
    against: str | None,
    after: str | None,
    posterior: str | None,
    reps: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out_dir: str | None,
    truth: bool,
    workers: int | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Score a projection against the figures reported after a cut-off (PIT, bands, CRPS).

    Writes scores.csv (one row per report), score.json (summary, settings, provenance) and
    score.png (fan charts with the reports, PIT histogram).
    """
    try:
        check_run_size(reps, seed)
        run = _run_folder(source) if Path(source).is_dir() else None
        scenario_file = run["scenario_file"] if run else source
        sc = load_scenario(scenario_file, overrides)
        est_source, estimates = _estimates(source, scenario_file, sc, against, run)
        n_reps = sc.reps if reps is None else reps
        n_seed = sc.seed if seed is None else seed
        cutoff = as_date(after, "--after")
        held_out(sc, estimates, cutoff, None, est_source)  # refuse before any work: nothing to score
        posterior = posterior or (_recorded_posterior(source, run) if run else None)
        plan = compile_plan(sc)
        values = posterior_draws(posterior, plan, n_reps, n_seed) if posterior else None
        workers = check_workers(workers)
    except InputError as exc:
        raise Fail(str(exc)) from None
    extra = {
        "kind_of_source": "run folder" if run else "scenario file",
        "scenario_file": str(scenario_file),
        "overrides": list(overrides),
        "posterior": {"file": str(Path(posterior).resolve()), "sha256": sha256_of(posterior)} if posterior else None,
    }
    out = Path(out_dir) if out_dir else default_out_dir(sc.name, "-score")
    with output_folder(out) as target:
        result = scoring(
            plan.scenario,
            estimates,
            after=cutoff,
            reps=n_reps,
            seed=n_seed,
            values=values,
            workers=workers,
            truth=truth,
            source=source,
            estimates_source=est_source,
            extra=extra,
        )
        checks = result.claims()
        info = {
            **result.info(),
            "summary": result.summary(),
            "reports": records(result.frame),
            "claims": json.loads(checks.to_json(orient="records")),
        }
        files = write_score(
            result.frame, info, target, plot=not no_plot, result=result.result, reports=result.reports(), after=cutoff
        )
    if not quiet:
        print_score(result)
        click.echo(f"wrote {len(files)} files to {out}/")


def _run_folder(path: str) -> dict:
    """The scenario and the recorded inputs of a folder written by ``simulate.py run``."""
    folder = Path(path)
    scenario, summary = folder / "scenario.yaml", folder / "summary.json"
    if not scenario.is_file() or not summary.is_file():
        raise ScoringError(
            path, "", "is a folder but not one written by simulate.py run (it needs scenario.yaml and summary.json)"
        )
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise ScoringError(str(summary), "", "is not a readable JSON summary of a run") from None
    if not isinstance(data, dict):
        raise ScoringError(str(summary), "", "is not a JSON summary of a run")
    return {"scenario_file": str(scenario), "summary": data}


def _recorded_posterior(source: str, run: dict) -> str | None:
    """The posterior file the run drew from, as its summary records it, checked unchanged."""
    rec = run["summary"].get("posterior")
    if not rec:
        return None
    where = str(Path(source) / "summary.json")
    if not isinstance(rec, dict) or not isinstance(rec.get("file"), str):
        raise ScoringError(where, "posterior", "is not a record of a posterior file (file and sha256)")
    path = rec["file"]
    if not Path(path).is_file():
        raise ScoringError(where, "posterior", f"the run drew from {path}, which is gone; give --posterior")
    if rec.get("sha256") and sha256_of(path) != rec["sha256"]:
        raise ScoringError(
            where, "posterior", f"{path} has changed since the run; give --posterior to score with it as it is now"
        )
    return path


def _estimates(source: str, scenario_file: str, sc, against: str | None, run: dict | None):
    """The reports to score and where they came from: ``--against``, else the file the run
    recorded, else the one the scenario names."""
    if against is not None:
        if not Path(against).is_file():
            raise ScoringError("--against", "", f"no estimates file at {against}")
        return against, load_estimates(against)
    if not sc.estimates:
        raise ScoringError(scenario_file, "estimates", "the scenario names no estimates file; give --against")
    if run is not None:
        recorded = run["summary"].get("estimates_file")
        if isinstance(recorded, str) and Path(recorded).is_file():
            return recorded, load_estimates(recorded)
        if not (Path(scenario_file).parent / sc.estimates).is_file():
            raise ScoringError(
                str(Path(source) / "summary.json"),
                "estimates_file",
                f"the run does not record where {sc.estimates} is (its scenario names it relative to "
                "the scenario's own file); give --against",
            )
    return str(Path(scenario_file).parent / sc.estimates), estimates_for(scenario_file, sc.estimates)


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def print_score(result) -> None:
    """One line per scored report, and the summary.  In a narrow console (under ``WIDE`` columns) the
    date goes under the report's id (with what a lower bound scored), and the claims' report and
    deadline under the claim."""
    con = console()
    wide = con.width >= WIDE
    brk = " " if wide else "\n"
    s, frame = result.summary(), result.frame
    cut = f"dated after {result.after}" if result.after else "dated within the run"
    seen = sum("cut-off" in r["reason"] for r in result.left_out)
    posterior = result.extra.get("posterior")
    con.print(
        f"[bold]{result.scenario.name}[/]: {result.reps:,} runs, seed {result.seed}"
        + (f", parameters drawn from {posterior['file']}" if posterior else ""),
        soft_wrap=True,
    )
    con.print(
        f"{len(frame)} report{'s' * (len(frame) != 1)} of a model measure {cut} in {result.estimates_source} scored"
        + (f"; {seen} on or before it not scored (seen)" if result.after else ""),
        soft_wrap=True,
    )
    compared = result.extra.get("compared_with", "the figure as reported")
    t = make_table(f"Reports against the projection ({compared})")
    bounds = frame["lower_bound"].astype(bool).any()
    for c in ["report", "date"] if wide else ["report\n  date"]:
        t.add_column(c, overflow="fold")
    median = "projection median (90%)" if wide else "projection\nmedian (90%)"
    for c in ("reported", median, "PIT", "in 90%?" if wide else "in\n90%?", "CRPS"):
        t.add_column(c, justify="right", overflow="fold")
    if bounds and wide:
        t.add_column("note", overflow="fold")
    for r in frame.to_dict("records"):
        rep = ("> " if r["lower_bound"] else "") + _n(r["reported"])
        if not r["lower_bound"] and not np.isnan(r["low"]) and not np.isnan(r["high"]) and r["low"] != r["high"]:
            rep += f"{brk}({_n(r['low'])}-{_n(r['high'])})"
        note = f"{r['holds']:.0%} of runs above it" if r["lower_bound"] else ""
        which = [r["id"], str(r["date"])] if wide else [f"{r['id']}\n  {r['date']}" + (f"\n  {note}" if note else "")]
        cells = [
            *which,
            rep,
            f"{_n(r['q50'])}{brk}({_n(r['q05'])}-{_n(r['q95'])})",
            "-" if r["lower_bound"] else f"{r['pit']:.3f}",
            "-" if r["lower_bound"] else ("yes" if r["in_90"] else "no"),
            "-" if r["lower_bound"] else _n(r["crps"]),
        ]
        if bounds and wide:
            cells.append(note)
        t.add_row(*cells)
    con.print(t)
    n = s["point_reports"]
    if n:
        c50, c90 = s["coverage_50"], s["coverage_90"]
        con.print(
            f"coverage: 50% band {round(c50 * n)}/{n} ({c50:.0%}, expected 50%); "
            f"90% band {round(c90 * n)}/{n} ({c90:.0%}, expected 90%)"
        )
        con.print(
            f"mean CRPS {_n(s['mean_crps'])}; mean interval score (90%) {_n(s['mean_interval_score_90'])}; "
            f"mean |PIT - 0.5| {s['mean_abs_pit_deviation']:.3f} (0.25 if calibrated)"
        )
        con.print("PIT histogram (10 bins, 0 to 1): " + " ".join(str(c) for c in s["pit_histogram"]["counts"]))
    if s["lower_bounds"]:
        con.print(
            f"lower bounds: {s['lower_bounds']}, on average {s['lower_bounds_mean_holds']:.0%} of runs above the bound"
        )
    if len(frame) < 10:
        con.print(f"(few reports: coverage and the PIT histogram mean little with {len(frame)})")
    checks = result.claims()
    if len(checks):
        _print_claim_checks(con, checks, wide)


def _print_claim_checks(con, checks, wide: bool) -> None:
    """Each claim against the later reports; narrow: the deadline and the report under the claim."""
    t = make_table("Claims against the later reports")
    for c in ["claim", "deadline", "report"] if wide else ["claim\n  deadline\n  report (its date)"]:
        t.add_column(c, overflow="fold")
    t.add_column("reported", justify="right", overflow="fold")
    t.add_column("came true" if wide else "came\ntrue", overflow="fold")
    for c in ("P(holds) projected", "P(what happened)") if wide else ("P(holds)\nprojected", "P(what\nhappened)"):
        t.add_column(c, justify="right", overflow="fold")
    for r in checks.to_dict("records"):
        report = f"{r['report']} ({r['report_date']})"
        which = [r["claim"], r["deadline"], report] if wide else [f"{r['claim']}\n  {r['deadline']}\n  {report}"]
        t.add_row(*which, f"{r['reported']:,.0f}", "yes" if r["came_true"] else "no", f"{r['probability']:.0%}",
                  f"{r['probability_of_outcome']:.0%}")  # fmt: skip
    con.print(t)
