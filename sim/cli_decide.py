"""``simulate.py decide``: the break-even value of each assumption of a claim (a thin layer over
:func:`sim.decide`), and ``simulate.py discover``: the boxes of assumptions in which a
claim holds, found in a sweep (over :func:`sim.discover`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from .cli_common import WIDE, Fail, console, make_table, output_folder, workers_option
from .decision import decide as find_break_even
from .decision import discover as find_boxes
from .decision.breakeven import reps_for, side_words
from .domains import value_text
from .errors import InputError
from .folders import default_out_dir
from .loading import load_scenario
from .outputs import write_decision, write_discovery
from .parallel import check_workers


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--claim", "claim", required=True, metavar="ID", help="The claim, by its id in SCENARIO.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH=RANGE",
    help="An assumption and its range, e.g. wounded.return_to_duty=0:0.3 (repeatable) "
    "[default: every uncertain parameter of the scenario, over its own range].",
)
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Change the scenario first (repeatable).")
@click.option(
    "--precision",
    type=float,
    default=0.02,
    show_default=True,
    help="Standard error of each probability near 1/2 (sets the replications per value: 0.02 takes 625).",
)
@click.option("--seed", type=int, default=None, help="Seed [default: the scenario's], the same at every value.")
@workers_option("Assumptions worked on at once")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder [default: out/<scenario name>-decide-<claim>].",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG chart.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
def decide(
    scenario: str,
    claim: str,
    params: tuple[str, ...],
    overrides: tuple[str, ...],
    precision: float,
    seed: int | None,
    workers: int | None,
    out_dir: str | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Find, for each assumption of SCENARIO, the value at which CLAIM's probability crosses 1/2.

    The others keep their scenario distributions; every value is run with the same random
    numbers, and a root-finder locates the crossing (and those of 1/3 and 2/3, the verdict's
    edges). Writes decide.csv, decide.json and decide.png.
    """
    try:
        sc = load_scenario(scenario, overrides, overrides_src="--set")
        workers = check_workers(workers)
        reps = reps_for(precision)
    except InputError as exc:
        raise Fail(str(exc)) from None
    out = Path(out_dir) if out_dir else default_out_dir(sc.name, f"-decide-{claim}")
    started = time.perf_counter()
    with output_folder(out) as target:
        frame = _decide(scenario, claim, params, overrides, precision, seed, workers, quiet)
        seconds = time.perf_counter() - started
        info = {
            "scenario": sc.name,
            "scenario_file": scenario,
            "claim": claim,
            "overrides": list(overrides),
            "precision": precision,
            "reps_per_value": reps,
            "seed": sc.seed if seed is None else seed,
            "seconds": round(seconds, 2),
            "method": "Brent's root-finder on the claim's probability, common random numbers at every value; "
            "90% interval of a break-even by a bootstrap over the replications",
        }
        files = write_decision(frame, info, target, plot=not no_plot, start=sc.start)
    if not quiet:
        print_decision(frame, sc, claim, reps, seconds)
        click.echo(f"wrote {len(files)} files to {out}/")


def _decide(scenario, claim, params, overrides, precision, seed, workers, quiet):
    """The search itself, with a progress bar on a terminal."""
    bar = None
    try:
        if not quiet and sys.stderr.isatty():
            bar = Progress(TextColumn("[bold]deciding"), BarColumn(), MofNCompleteColumn(), transient=True)
            task = bar.add_task("assumptions", total=None)
            bar.start()
        on_param = (lambda _: bar.advance(task)) if bar else None
        return find_break_even(
            scenario,
            claim,
            list(params),
            overrides=overrides,
            precision=precision,
            seed=seed,
            workers=workers,
            on_param=on_param,
        )
    except InputError as exc:
        raise Fail(str(exc)) from None
    finally:
        if bar:
            bar.stop()


def print_decision(frame, sc, claim: str, reps: int, seconds: float) -> None:
    """The assumptions, closest break-even first, then each one in words.  In a narrow console
    (under ``WIDE`` columns) an assumption's range goes under its name, and a break-even's interval
    under it."""
    con = console()
    wide = con.width >= WIDE
    con.print(
        f"[bold]{sc.name}[/]: what decides {claim} ({len(frame)} assumptions, {reps:,} runs per value, "
        f"{int(frame['evaluations'].sum())} values run, {seconds:.1f} s)"
    )
    t = make_table("Break-even values (the claim's probability crosses 1/2), closest first")
    for c in ["assumption", "range"] if wide else ["assumption\n  range"]:
        t.add_column(c, overflow="fold")
    for c in ("scenario", "P(holds)\nlow to high"):
        t.add_column(c, justify="right", overflow="fold")
    t.add_column("break-even (90%)" if wide else "break-even\n(90%)", justify="right", overflow="fold")
    t.add_column("holds", overflow="fold")
    for row in frame.to_dict("records"):
        path = row["param"]
        be = ""
        if row["holds"]:
            lo, hi = (
                value_text(path, row["break_even_q05"], sc.start),
                value_text(path, row["break_even_q95"], sc.start),
            )
            interval = f" ({lo} to {hi})" if wide else f"\n({lo} to\n{hi})"
            be = value_text(path, row["break_even"], sc.start) + (interval if lo and hi else "")
        span = f"{value_text(path, row['low'], sc.start)} to {value_text(path, row['high'], sc.start)}"
        t.add_row(
            *([path, span] if wide else [f"{path}\n  {span}"]),
            value_text(path, row["scenario_value"], sc.start),
            f"{row['p_at_low']:.0%} to {row['p_at_high']:.0%}",
            be or "no crossing",
            side_words(path, row["holds"]) if row["holds"] else "",
        )
    con.print(t)
    for s in frame["sentence"]:
        con.print(f"- {s}")


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False, path_type=str))
@click.option(
    "--claim", "claim", required=True, metavar="ID", help="The claim, with a p_holds:<ID> output in the sweep."
)
@click.option(
    "--fails", is_flag=True, help="Find where the claim fails (probability below 1/2) instead of where it holds."
)
@click.option(
    "--alpha", type=float, default=0.05, show_default=True, help="Share of the box's points peeled at each step."
)
@click.option(
    "--min-support",
    type=float,
    default=0.05,
    show_default=True,
    help="Stop peeling when fewer than this share of the points remain in the box.",
)
@click.option(
    "--min-density",
    type=float,
    default=0.9,
    show_default=True,
    help="Choose the box holding the most points of interest among those at least this dense.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder [default: <SWEEP_DIR>-discover-<claim>].",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG chart.")
@click.option("--quiet", "-q", is_flag=True, help="No tables.")
def discover(
    sweep_dir: str,
    claim: str,
    fails: bool,
    alpha: float,
    min_support: float,
    min_density: float,
    out_dir: str | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Find the box of swept assumptions in which CLAIM holds (PRIM) in the sweep in SWEEP_DIR.

    Writes box.csv, trajectory.csv, discover.json and discover.png.
    """
    if not 0.01 <= alpha <= 0.5:
        raise Fail(f"--alpha: must be between 0.01 and 0.5 (got {alpha:g})")
    if not 0.0 < min_support < 1.0:
        raise Fail(f"--min-support: must be between 0 and 1 (got {min_support:g})")
    if not 0.0 < min_density <= 1.0:
        raise Fail(f"--min-density: must be above 0 and at most 1 (got {min_density:g})")
    out = Path(out_dir) if out_dir else Path(f"{sweep_dir.rstrip('/')}-discover-{claim}")
    with output_folder(out) as target:
        try:
            trajectory, box = find_boxes(
                sweep_dir, claim, holds=not fails, alpha=alpha, min_support=min_support, min_density=min_density
            )
        except (InputError, ValueError) as exc:
            raise Fail(f"{sweep_dir}: {exc}" if not isinstance(exc, InputError) else str(exc)) from None
        info = {
            "sweep": sweep_dir,
            "claim": claim,
            "holds": not fails,
            "alpha": alpha,
            "min_support": min_support,
            "min_density": min_density,
            "method": "PRIM: peeling by alpha-quantiles to the minimum support; chosen, the box of largest coverage "
            "among those of density at least min_density (else of largest coverage x density), then pasted",
            **{k: box.attrs[k] for k in ("sentence", "coverage", "density", "support")},
        }
        files = write_discovery(trajectory, box, info, target, plot=not no_plot)
    if not quiet:
        con = console()
        con.print(f"[bold]{claim}[/]: {len(trajectory) - 1} peeling steps over the sweep's points")
        con.print(box.attrs["sentence"])
        click.echo(f"wrote {len(files)} files to {out}/")
