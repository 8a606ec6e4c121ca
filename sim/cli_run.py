"""``simulate.py run`` and ``simulate.py validate``: run one scenario and write its outputs, or
check scenario files without running them.

Bad input prints one line naming the file, the field and the rule, exits with code 2 and
writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_common import (
    WIDE,
    Fail,
    console,
    date_cell,
    make_table,
    output_folder,
    print_claims,
    scenario_files,
    sha256_of,
    stacked,
    workers_option,
)
from .errors import InputError
from .estimates import estimates_for
from .folders import default_out_dir
from .loading import load_scenario
from .outputs import write_run
from .parallel import check_workers
from .plan import compile_plan
from .posterior import posterior_draws
from .results import Result
from .rules import check_run_size, warnings_of
from .runner import run as run_model
from .scenario import FORCE_RATIO, opponent_measure


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--reps", type=int, default=None, help="Replications [default: the scenario's reps].")
@click.option("--seed", type=int, default=None, help="Seed [default: the scenario's seed].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder: new, empty, or an earlier output of this tool [default: out/<scenario name>].",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value, e.g. --set postures.combat.per_day=120 (repeatable).",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG charts.")
@click.option(
    "--posterior",
    type=click.Path(dir_okay=False),
    default=None,
    help="Parquet file of parameter samples (from calibrate): each run draws a row.",
)
@workers_option("Threads sharing out blocks of 1,000 replications")
@click.option(
    "--save-runs",
    is_flag=True,
    help="Also write every run as data: runs.parquet (a row per run: parameter values, first-crossing dates, "
    "claim outcomes) and trajectories.nc (every measure of every run on every day; the run then holds "
    "reps x days x measures x 8 bytes in memory).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
def run(
    scenario: str,
    reps: int | None,
    seed: int | None,
    out_dir: str | None,
    overrides: tuple[str, ...],
    no_plot: bool,
    posterior: str | None,
    workers: int | None,
    save_runs: bool,
    quiet: bool,
) -> None:
    """Run SCENARIO and write tables, a JSON summary and charts."""
    try:
        sc = load_scenario(scenario, overrides)
        estimates = estimates_for(scenario, sc.estimates)
        check_run_size(reps, seed)
        workers = check_workers(workers)
    except InputError as exc:
        raise Fail(str(exc)) from None
    warn(scenario, sc)
    n_reps = sc.reps if reps is None else reps
    n_seed = sc.seed if seed is None else seed
    plan = compile_plan(sc)  # once, for the posterior's columns and the run
    values = None
    if posterior:
        try:
            values = posterior_draws(posterior, plan, n_reps, n_seed)
        except InputError as exc:
            raise Fail(str(exc)) from None
    out = Path(out_dir) if out_dir else default_out_dir(sc.name)
    with output_folder(out) as target:
        interactive = not quiet and sys.stderr.isatty()
        result = run_model(
            plan, n_reps, n_seed, progress=interactive, values=values, workers=workers, keep_trajectories=save_runs
        )
        files = write_run(
            result,
            target,
            plot=not no_plot,
            extra=provenance(scenario, sc, posterior),
            estimates=estimates,
            save_runs=save_runs,
            values=values,
        )
    if not quiet:
        print_run(result)
        click.echo(f"wrote {len(files)} files to {out}/")


def provenance(scenario: str, sc, posterior: str | None) -> dict:
    """What ``summary.json`` records of the run's inputs beyond the resolved scenario: the
    scenario and estimates files, and the posterior file (with its SHA-256) whose rows the run
    drew, so that ``score`` can run the same projection again from the folder."""
    estimates = Path(scenario).parent / sc.estimates if sc.estimates else None
    return {
        "scenario_file": str(Path(scenario).resolve()),
        "scenario_file_sha256": sha256_of(scenario),
        "estimates_file": str(estimates.resolve()) if estimates else None,
        "posterior": {"file": str(Path(posterior).resolve()), "sha256": sha256_of(posterior)} if posterior else None,
    }


def print_run(result: Result) -> None:
    """Effective strength at the end, the thresholds' first-crossing dates and the claims."""
    con = console()
    eff = result.measure("effective")
    last = eff.iloc[-1]
    con.print(
        f"[bold]{result.scenario.name}[/]: {result.reps:,} runs, seed {result.seed}, "
        f"{result.dates[0]} to {result.dates[-1]}"
    )
    con.print(
        f"effective strength on {result.dates[-1]}: median {last['q50']:,.0f} "
        f"(90% {last['q05']:,.0f} to {last['q95']:,.0f}); peak median {eff['q50'].max():,.0f}"
    )
    opponent = result.scenario.opponent
    if opponent is not None:
        theirs = result.measure(opponent_measure("effective")).iloc[-1]
        ratio = result.measure(FORCE_RATIO).iloc[-1]
        con.print(
            f"{opponent.name} on duty on {result.dates[-1]}: median {theirs['q50']:,.0f} "
            f"(90% {theirs['q05']:,.0f} to {theirs['q95']:,.0f}); "
            + (f"force ratio median {ratio['q50']:,.2f}" if theirs["q50"] > 0 else "none left in half the runs or more")
        )
    if len(result.thresholds):
        t = make_table("Thresholds: first-crossing date")
        wide = con.width >= WIDE  # the condition in a column of its own; else under the name
        t.add_column("threshold" + ("" if wide else " (condition)"), overflow="fold")
        if wide:
            t.add_column("condition", overflow="fold")
        for col in ("P(by end)", "median", "5%", "95%"):
            t.add_column(col, justify="right", no_wrap=True)
        for r in result.thresholds.to_dict("records"):
            name = [r["threshold"], r["condition"]] if wide else [stacked(r["threshold"], under=r["condition"])]
            t.add_row(
                *name,
                f"{r['probability_by_end']:.0%}",
                *(date_cell(r[k], "not by end") for k in ("q50", "q05", "q95")),
            )
        con.print(t)
    if len(result.claims):
        print_claims(result.claims)


def warn(source, sc) -> None:
    """Print, on stderr, each value that is allowed but looks like a slip (one line each)."""
    for field, why in warnings_of(sc):
        click.echo(f"warning: {source}: {field}: {why}", err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files (or folders of them), and the estimates files they name, without
    running them."""
    bad = 0
    for path in scenario_files(paths):
        try:
            sc = load_scenario(path)
            estimates_for(path, sc.estimates)
        except InputError as exc:
            bad += 1
            click.echo(f"error: {exc}", err=True)
            continue
        warn(path, sc)
        n = len(sc.all_units)
        click.echo(f"ok: {path} ({sc.name}: {n} unit{'s' * (n != 1)}, {sc.days} days, {len(sc.thresholds)} thresholds)")
    if bad:
        sys.exit(2)
