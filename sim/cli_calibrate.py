"""``simulate.py calibrate``: fit scenario parameters to reported figures (a thin layer over
:func:`sim.calibration.calibrate`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .calibration import calibrate as fit_posterior
from .cli_common import Fail, console, make_table, output_folder, widest_that_fits, workers_option
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
    """The parameter table (prior, posterior median and 90% interval, diagnostics), the report
    check and the reporters' leans.  A table too wide for the console (or a pipe's 80 columns)
    is printed narrow: the prior and its 90% interval under the parameter's name, the report's
    measure and date (and whether it was fitted) under its id, long cells on two lines."""
    con = console()
    acc = cal.acceptance
    con.print(
        f"[bold]{cal.scenario.name}[/]: {len(cal.observations)} reports up to {cal.until}, "
        f"{cal.walkers} walkers x {cal.steps} steps (burn-in {cal.burn}), {cal.reps} runs per walker, "
        f"seed {cal.seed}"
    )
    params = cal.parameters.to_dict("records")
    con.print(widest_that_fits(con, _posterior_table(params, wide=True), _posterior_table(params, wide=False)))
    con.print(f"acceptance fraction: mean {acc.mean():.2f} (walkers {acc.min():.2f} to {acc.max():.2f})")
    con.print(
        "ESS and R-hat treat walkers as chains, though walkers move together: a rough guide. "
        "R-hat over 1.1 or ESS under 100: run longer (--steps)."
    )
    check = cal.report_check(reps).to_dict("records")
    con.print(widest_that_fits(con, _check_table(check, wide=True), _check_table(check, wide=False)))
    leans = cal.leans(reps)
    if leans:
        t = make_table("Reporters' leans (the factor on their figures)")
        for c in ("reporter", "reports", "prior median", "posterior median (90%)"):
            t.add_column(c, justify="left" if c == "reporter" else "right", overflow="fold")
        for name, g in leans.items():
            t.add_row(name, str(g["reports"]), f"{g['prior_q50']:.2f}",
                      f"{g['q50']:.2f} ({g['q05']:.2f}-{g['q95']:.2f})")  # fmt: skip
        con.print(t)


def _posterior_table(rows: list[dict], wide: bool):
    """Per parameter: its prior and the prior's 90% interval, the posterior median and 90%
    interval, how much the reports narrowed it, ESS and R-hat.  Narrow: the prior under the
    parameter's name, bulk and tail ESS in one column, intervals on two lines (which leaves the
    first column, the widest, to take up the rest of the width)."""
    brk = " " if wide else "\n"
    t = make_table("Posterior")
    left = ["parameter", "prior", "prior 90%"] if wide else ["parameter\n  prior and its 90%"]
    right = ["median", "90% interval"] if wide else ["posterior\nmedian", "posterior\n90%"]
    for c in left:
        t.add_column(c, overflow="fold")
    for c in right:
        t.add_column(c, justify="right", overflow="fold")
    t.add_column("informed", overflow="fold")
    for c in ["ESS bulk", "ESS tail"] if wide else ["ESS\nbulk/\ntail"]:
        t.add_column(c, justify="right", overflow="fold")
    t.add_column("R-hat", justify="right", overflow="fold")
    for r in rows:
        prior_90 = f"{_g(r['prior_q05'])} to {_g(r['prior_q95'])}"
        ess = [_diag(r["ess_bulk"], ",.0f"), _diag(r["ess_tail"], ",.0f")]
        word = informed(r["interval_vs_prior"])
        t.add_row(
            *([r["parameter"], r["prior"], prior_90] if wide else [f"{r['parameter']}\n  {r['prior']}\n  {prior_90}"]),
            _g(r["q50"]),
            f"{_g(r['q05'])} to{brk}{_g(r['q95'])}",
            word if wide or len(word) <= len("yes (13%)") else word.replace(" (", "\n("),
            *(ess if wide else ["/".join(ess)]),
            _diag(r["r_hat"], ".3f"),
        )
    return t


def _check_table(rows: list[dict], wide: bool):
    """Each report beside the prior and posterior predictive of its true figure.  Narrow: the
    measure and date under the report's id, with "not fitted" for a report shown, not fitted;
    the ranges on a second line."""
    brk = " " if wide else "\n"
    t = make_table("Reports against the posterior predictive (true figure)")
    for c in ["report", "measure", "date"] if wide else ["report\n  measure, date"]:
        t.add_column(c, overflow="fold")
    figures = ["prior 90%", "posterior median (90%)", "fitted"] if wide else ["prior\n90%", "posterior\nmedian (90%)"]
    for c in ["reported", *figures]:
        t.add_column(c, justify="right", overflow="fold")
    for r in rows:
        rep = ("> " if r["lower_bound"] else "") + f"{r['reported']:,.0f}"
        if r["low"] is not None and r["high"] is not None and not np.isnan(r["low"]) and not r["lower_bound"]:
            rep += f"{brk}({r['low']:,.0f}-{r['high']:,.0f})"
        if wide:
            which = [r["id"], r["measure"], str(r["date"])]
        else:
            which = [f"{r['id']}\n  {r['measure']}, {r['date']}" + ("" if r["fitted"] else "\n  not fitted")]
        t.add_row(
            *which,
            rep,
            f"{r['prior_q05']:,.0f}-{r['prior_q95']:,.0f}",
            f"{r['posterior_q50']:,.0f}{brk}({r['posterior_q05']:,.0f}-{r['posterior_q95']:,.0f})",
            *(["yes" if r["fitted"] else "no"] if wide else []),
        )
    return t


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
