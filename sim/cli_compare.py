"""``simulate.py compare``: several scenarios of one case weighed by how well they predicted the
reports up to a cut-off, and combined (a thin layer over :func:`sim.calibration.compare.compare`)."""

from __future__ import annotations

from pathlib import Path

import click

from .calibration.compare import compare as weigh_stories
from .cli_common import WIDE, Fail, console, make_table, output_folder, scenario_files
from .errors import InputError
from .estimates import estimates_for, load_estimates
from .loading import load_scenario
from .outputs import write_compare
from .rules import check_run_size


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--until", required=True, metavar="DATE", help="The cut-off: the reports dated on or before it are used.")
@click.option(
    "--against", default=None, metavar="FILE", help="Reported-estimates file [default: the one the scenarios name]."
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Use only reports of this kind, e.g. casualties (repeatable) [default: every kind that is a model measure].",
)
@click.option("--exclude", multiple=True, metavar="ID", help="A report not to use, by id (repeatable).")
@click.option("--measure", default="effective", show_default=True, help="The measure of the combined projection.")
@click.option("--reps", type=int, default=4000, show_default=True, help="Replications per scenario.")
@click.option("--seed", type=int, default=None, help="Seed [default: each scenario's seed].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/compare",
    show_default=True,
    help="Output folder: new, empty, or an earlier output of this tool.",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG chart.")
@click.option("--quiet", "-q", is_flag=True, help="No table.")
def compare(
    paths: tuple[str, ...],
    until: str,
    against: str | None,
    kinds: tuple[str, ...],
    exclude: tuple[str, ...],
    measure: str,
    reps: int,
    seed: int | None,
    out_dir: str,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Weigh the scenarios in PATHS by how well they predicted the reports up to a cut-off, and combine them.

    Each scenario's weight is its evidence: the mean, over its runs, of the density of the
    reports given the run's figures (the calibration's observation model). Writes compare.csv,
    combined.csv, claims.csv, compare.json and compare.png.
    """
    try:
        check_run_size(reps, seed)
        files = list(scenario_files(paths))
        if len(files) < 2:
            raise InputError(", ".join(paths), "", "give at least two scenarios to compare")
        loaded = [load_scenario(f) for f in files]
        if against is not None:
            est = load_estimates(against)
        elif loaded[0].estimates is not None:
            est = estimates_for(files[0], loaded[0].estimates)
        else:
            raise InputError(str(files[0]), "estimates", "names no estimates file; give --against")
    except InputError as exc:
        raise Fail(str(exc)) from None
    with output_folder(Path(out_dir)) as target:
        try:
            table, combined, claims = weigh_stories(
                loaded, est, until=until, reps=reps, seed=seed, measure=measure, kinds=kinds, exclude=exclude
            )
        except (InputError, ValueError) as exc:
            raise Fail(str(exc) if isinstance(exc, InputError) else f"--until: {exc}") from None
        info = {
            "scenarios": [str(f) for f in files],
            "estimates": against or str(files[0].parent / (loaded[0].estimates or "")),
            "until": until,
            "kinds": list(kinds),
            "exclude": list(exclude),
            "measure": measure,
            "reps": reps,
            "seed": seed,
            "criterion": "evidence (marginal likelihood) of the reports up to the cut-off, by Monte Carlo over each "
            "scenario's runs under the calibration's observation model; equal prior weights",
        }
        written = write_compare(table, combined, claims, info, target, plot=not no_plot, overlay=est.overlay(measure))
    if not quiet:
        print_compare(table, claims, until)
        click.echo(f"wrote {len(written)} files to {out_dir}/")


def print_compare(table, claims, until: str) -> None:
    """The stories with their evidence and weights, and the claims combined.  In a narrow console
    (under ``WIDE`` columns) the long headers go on two lines."""
    con = console()
    brk = " " if con.width >= WIDE else "\n"
    t = make_table(f"Stories weighed by the reports up to {until}")
    for col, just in (("scenario", "left"), ("reports", "right"), (f"log{brk}evidence", "right"), ("weight", "right"),
                      (f"runs{brk}carrying it", "right")):  # fmt: skip
        t.add_column(col, justify=just, overflow="fold")
    for r in table.to_dict("records"):
        t.add_row(
            r["scenario"], str(r["reports"]), f"{r['log_evidence']:.2f}", f"{r['weight']:.1%}", f"{r['ess']:,.0f}"
        )
    con.print(t)
    c = make_table("Claims, the stories combined")
    for col in ("claim", "stories", "P(holds)"):
        c.add_column(col, justify="right" if col != "claim" else "left", overflow="fold")
    for r in claims.to_dict("records"):
        c.add_row(r["claim"], str(r["scenarios"]), f"{r['probability']:.0%}")
    con.print(c)
