"""``simulate.py sweep``: sensitivity sweeps over scenario parameters, from the command line.

Parses, checks (one-line errors, exit code 2, nothing written), runs the sweep through
:func:`sim.sweeps.execution.run_sweep`, then writes the analysis tables and charts into the
sweep's folder and prints a short summary.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from .cli_common import Fail, console, make_table, workers_option
from .errors import InputError
from .folders import default_out_dir
from .parallel import check_workers
from .sweeps.analysis import analyze
from .sweeps.backends import BackendError
from .sweeps.designs import DEFAULT, DESIGNS
from .sweeps.execution import run_sweep
from .sweeps.frame import AnalysisError
from .sweeps.report import output_notes, write_report
from .sweeps.spec import make_sweep

DESIGN_HELP = ", ".join(f"{d.name} ({d.description})" for d in DESIGNS.values()) + f" [default: {DEFAULT}]."
N_HELP = "Design size: " + "; ".join(f"{d.name}: {d.n_counts} [{d.default_n}]" for d in DESIGNS.values()) + "."


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--file",
    "-f",
    "sweep_file",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Sweep file (YAML): params, design, outputs, reps, seed; options given here win.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH=RANGE",
    help="A parameter to sweep: PATH=low:high or PATH={uniform: [a, b]} (repeatable).",
)
@click.option("--design", default=None, metavar="[" + "|".join(DESIGNS) + "]", help=DESIGN_HELP)
@click.option("--n", "n", type=int, default=None, help=N_HELP)
@click.option("--levels", type=int, default=None, help="Morris grid levels [default: 4].")
@click.option("--second-order/--no-second-order", default=None, help="Sobol second-order indices.")
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="NAME",
    help="An output per point, e.g. median_day:THRESHOLD, p_holds:CLAIM, p_cross:THRESHOLD@DATE, "
    "mean:MEASURE@DATE, q50:MEASURE@DATE (repeatable) [default: every threshold and claim].",
)
@click.option("--reps", type=int, default=None, help="Replications per point, averaged [default: 200].")
@click.option("--seed", type=int, default=None, help="The sweep's seed [default: the scenario's].")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value for the whole sweep (repeatable).",
)
@click.option(
    "--batch-points",
    type=int,
    default=None,
    help="Points per engine run [default: about 5,000 replications]; it decides the random numbers.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Output folder [default: out/<scenario name>-<design>].",
)
@click.option("--resume", is_flag=True, help="Continue the sweep in --out where it stopped.")
@workers_option("Local processes to run batches in")
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Run on the Dask cluster at this scheduler address (pip install .[dask]).",
)
@click.option("--no-plot", is_flag=True, help="Skip the PNG charts.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
def sweep(
    scenario: str,
    sweep_file: str | None,
    params: tuple[str, ...],
    design: str | None,
    n: int | None,
    levels: int | None,
    second_order: bool | None,
    outputs: tuple[str, ...],
    reps: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    batch_points: int | None,
    out_dir: str | None,
    resume: bool,
    workers: int | None,
    scheduler: str | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Sweep SCENARIO's parameters and write one row per point (Parquet) as results arrive,
    with the analysis that fits the design (tornado, heatmap, Sobol, Morris) and its charts."""
    try:
        workers = check_workers(workers)
        sw = make_sweep(
            scenario,
            file=sweep_file,
            params=list(params),
            design=design,
            n=n,
            levels=levels,
            second_order=second_order,
            outputs=list(outputs) or None,
            reps=reps,
            seed=seed,
            batch_points=batch_points,
            overrides=overrides,
        )
    except InputError as exc:
        raise Fail(str(exc)) from None
    out = Path(out_dir) if out_dir else default_out_dir(sw.scenario.name, f"-{sw.design}")
    t0 = time.perf_counter()
    started = []

    def on_start(where: str, todo: int) -> None:
        started.append(where)
        if not quiet:
            left = "" if todo == sw.points else f"; {todo:,} left to run"
            click.echo(f"{describe(sw)}; running on {where}{left}", err=True)

    try:
        frame = run_sweep(
            sw, out=out, resume=resume, workers=workers, scheduler=scheduler, progress=not quiet, on_start=on_start
        )
        tables = analyze(frame)
    except (InputError, BackendError, AnalysisError) as exc:
        raise Fail(str(exc)) from None
    elapsed = time.perf_counter() - t0
    files = write_report(frame, out, plot=not no_plot, tables=tables)
    if not quiet:
        click.echo(f"{ran(frame)} in {elapsed:.1f} s; wrote {out}/ (points/, {', '.join(f.name for f in files)})")
        print_analysis(tables, frame)


def ran(frame) -> str:
    """How many points this call ran: on a resume, only those it ran, with those already done
    counted apart."""
    run = frame.attrs.get("points_run", len(frame))
    before = len(frame) - run
    if before == 0:
        return f"{_plural(run, 'point')} done"
    return f"{_plural(run, 'point')} run ({before:,} already done before this resume, {len(frame):,} in all)"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def describe(sw) -> str:
    """One line: the design, how many points and replications, the seed and the batches."""
    return (
        f"{sw.scenario.name}: {sw.design} design over {_plural(len(sw.params), 'parameter')}, "
        f"{_plural(sw.points, 'point')} x {_plural(sw.reps, 'replication')} each (outputs are "
        f"averages over them), seed {sw.seed}, {_plural(sw.batches, 'batch', 'batches')} of up to "
        f"{_plural(sw.batch_points, 'point')}"
    )


def print_analysis(tables, frame=None) -> None:
    """A short table per output of the design's analysis, with its notes below it; an output
    that does not vary gets one line saying so instead.  A table not by parameter (grid's) only
    says where it is, and what to know of each output (no variation, censored points)."""
    con = console()
    notes = output_notes(frame) if frame is not None else {}
    for name, table in tables.items():
        if "param" not in table.columns:
            con.print(f"{name}: {len(table):,} rows in {name}.csv")
            for output, note in notes.items():
                con.print(f"{name}: {output}: {note}")
            continue
        for output, part in table.groupby("output", sort=False):
            said = [str(n) for n in part["note"].fillna("").unique()] if "note" in part.columns else [""]
            if len(said) == 1 and said[0].startswith("no variation"):
                con.print(f"{name}: {output}: {said[0]}")
                continue
            t = make_table(f"{name}: {output}")
            cols = [c for c in part.columns if c not in ("output", "note")]
            for c in cols:
                t.add_column(c, justify="left" if c == "param" else "right")
            for r in part[cols].itertuples(index=False):
                t.add_row(*(_cell(v) for v in r))
            con.print(t)
            if len(said) == 1 and said[0]:
                con.print(f"  {said[0]}")
            elif len(said) > 1:
                for param, note in zip(part["param"], part["note"].fillna(""), strict=True):
                    if note:
                        con.print(f"  {param}: {note}")


def _cell(v) -> str:
    """A table cell: text as it is, a number to four significant digits, a missing one as a dash
    (the note below the table says why)."""
    if isinstance(v, str):
        return v
    return "-" if v != v else f"{v:.4g}"
