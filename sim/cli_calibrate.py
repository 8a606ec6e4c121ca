"""``simulate.py calibrate``: fit scenario parameters to reported figures (a thin layer over
:func:`sim.calibration.calibrate`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .calibration import calibrate as fit_posterior
from .cli_common import Fail, console, make_table, output_folder, workers_option
from .errors import InputError
from .folders import default_out_dir
from .loading import load_scenario
from .parallel import check_workers


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--estimates", default=None, metavar="FILE", help="Reported-estimates file [default: the one the scenario names]."
)
@click.option(
    "--fit",
    "fit",
    multiple=True,
    metavar="PATH",
    help="A parameter to fit, by field path, e.g. postures.combat.daily_rate (repeatable); "
    "its distribution in the scenario file is its prior.",
)
@click.option(
    "--until",
    default=None,
    metavar="DATE",
    help="Fit the reports dated on or before DATE [default: the scenario's end].",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Fit only reports of this kind, e.g. casualties (repeatable) [default: every kind that is a model measure].",
)
@click.option("--exclude", multiple=True, metavar="ID", help="A report not to fit, by id (repeatable).")
@click.option("--walkers", type=int, default=32, show_default=True, help="emcee walkers.")
@click.option("--steps", type=int, default=500, show_default=True, help="Steps per walker.")
@click.option("--burn", type=int, default=None, help="Steps discarded as burn-in [default: half the steps].")
@click.option(
    "--reps",
    type=int,
    default=64,
    show_default=True,
    help="Replications per walker and step (for the synthetic likelihood).",
)
@workers_option("Processes sharing the simulations")
@click.option("--seed", type=int, default=None, help="Seed [default: the scenario's seed].")
@click.option(
    "--predictive-reps",
    type=int,
    default=1000,
    show_default=True,
    help="Replications of the prior and posterior predictive runs (plot and report check).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder [default: out/<scenario name>-calibration].",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG charts (fit, trace and pair).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
def calibrate(
    scenario: str,
    estimates: str | None,
    fit: tuple[str, ...],
    until: str | None,
    kinds: tuple[str, ...],
    exclude: tuple[str, ...],
    walkers: int,
    steps: int,
    burn: int | None,
    reps: int,
    workers: int | None,
    seed: int | None,
    predictive_reps: int,
    out_dir: str | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Fit parameters of SCENARIO to the reported figures up to a cut-off.

    Writes posterior.parquet (usable with run --posterior), posterior.nc (the chain as
    ArviZ InferenceData), summary.json, fit.png, trace.png and pair.png (with two or more
    fitted parameters).
    """
    try:
        sc = load_scenario(scenario)
        workers = check_workers(workers)
    except InputError as exc:
        raise Fail(str(exc)) from None
    if not 10 <= predictive_reps <= 100_000:
        raise Fail(f"--predictive-reps: must be between 10 and 100,000 (got {predictive_reps:,})")
    out = Path(out_dir) if out_dir else default_out_dir(sc.name, "-calibration")
    if not no_plot:
        import matplotlib

        matplotlib.use("Agg")  # files only: no window system
    with output_folder(out) as target:
        cal = _fit(scenario, estimates, fit, until, walkers, steps, burn, reps, seed, exclude, kinds, workers, quiet)
        files = cal.save(target, plot=not no_plot, reps=predictive_reps)
    if not quiet:
        print_calibration(cal, predictive_reps)
        click.echo(f"wrote {len(files)} files to {out}/")


def _fit(scenario, estimates, fit, until, walkers, steps, burn, reps, seed, exclude, kinds, workers, quiet):
    """The calibration itself, with a progress bar on a terminal."""
    interactive = not quiet and sys.stderr.isatty()
    bar = None
    try:
        if interactive:
            bar = Progress(
                TextColumn("[bold]calibrating"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeRemainingColumn(),
                transient=True,
            )
            task = bar.add_task("steps", total=steps)
            bar.start()
        on_step = (lambda: bar.advance(task)) if bar else None
        cal = fit_posterior(
            scenario,
            estimates,
            fit,
            until=until,
            walkers=walkers,
            steps=steps,
            burn=burn,
            reps=reps,
            seed=seed,
            exclude=exclude,
            kinds=kinds,
            workers=workers,
            on_step=on_step,
        )
    except InputError as exc:
        raise Fail(str(exc)) from None
    finally:
        if bar:
            bar.stop()
    return cal


def print_calibration(cal, reps: int = 1000) -> None:
    """The parameter table (prior, posterior median and 90% interval, diagnostics) and the
    report check."""
    con = console()
    acc = cal.acceptance
    con.print(
        f"[bold]{cal.scenario.name}[/]: {len(cal.observations)} reports up to {cal.until}, "
        f"{cal.walkers} walkers x {cal.steps} steps (burn-in {cal.burn}), {cal.reps} runs per walker, "
        f"seed {cal.seed}"
    )
    t = make_table("Posterior")
    columns = ("parameter", "prior", "prior 90%", "median", "90% interval", "informed", "ESS bulk", "ESS tail", "R-hat")
    for c in columns:
        t.add_column(c, justify="left" if c in ("parameter", "prior", "informed") else "right")
    for r in cal.parameters.to_dict("records"):
        t.add_row(
            r["parameter"],
            r["prior"],
            f"{_g(r['prior_p05'])} to {_g(r['prior_p95'])}",
            _g(r["median"]),
            f"{_g(r['p05'])} to {_g(r['p95'])}",
            informed(r["interval_vs_prior"]),
            _diag(r["ess_bulk"], ",.0f"),
            _diag(r["ess_tail"], ",.0f"),
            _diag(r["r_hat"], ".3f"),
        )
    con.print(t)
    con.print(f"acceptance fraction: mean {acc.mean():.2f} (walkers {acc.min():.2f} to {acc.max():.2f})")
    con.print(
        "ESS and R-hat treat walkers as chains, though walkers move together: a rough guide. "
        "R-hat over 1.1 or ESS under 100: run longer (--steps)."
    )
    check = cal.report_check(reps)
    t = make_table("Reports against the posterior predictive (true figure)")
    for c in ("report", "measure", "date", "reported", "prior 90%", "posterior median (90%)", "fitted"):
        t.add_column(c, justify="left" if c in ("report", "measure", "date") else "right")
    for r in check.to_dict("records"):
        rep = ("> " if r["lower_bound"] else "") + f"{r['reported']:,.0f}"
        if r["low"] is not None and r["high"] is not None and not np.isnan(r["low"]) and not r["lower_bound"]:
            rep += f" ({r['low']:,.0f}-{r['high']:,.0f})"
        t.add_row(
            r["id"],
            r["measure"],
            str(r["date"]),
            rep,
            f"{r['prior_p05']:,.0f}-{r['prior_p95']:,.0f}",
            f"{r['posterior_median']:,.0f} ({r['posterior_p05']:,.0f}-{r['posterior_p95']:,.0f})",
            "yes" if r["fitted"] else "no",
        )
    con.print(t)
    leans = cal.leans(reps)
    if leans:
        t = make_table("Reporters' leans (the factor on their figures)")
        for c in ("reporter", "reports", "prior median", "posterior median (90%)"):
            t.add_column(c, justify="left" if c == "reporter" else "right")
        for name, g in leans.items():
            t.add_row(name, str(g["reports"]), f"{g['prior_median']:.2f}",
                      f"{g['median']:.2f} ({g['p05']:.2f}-{g['p95']:.2f})")  # fmt: skip
        con.print(t)


def informed(ratio: float) -> str:
    """How much the reports narrowed a parameter: its posterior 90% interval as a share of the
    prior's, in words (below half: informed; below 0.9: a little; else not)."""
    word = "yes" if ratio < 0.5 else "a little" if ratio < 0.9 else "no"
    return f"{word} ({ratio:.0%})"


def _diag(x: float | None, spec: str) -> str:
    """A diagnostic, or ``-`` where ArviZ gives none (too few kept steps)."""
    return "-" if x is None or not np.isfinite(x) else format(x, spec)


def _g(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"
