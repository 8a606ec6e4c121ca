"""Command line: a thin layer that parses, loads, calls the library and writes.

Bad input prints one line naming the file, the field and the rule, exits with code 2 and
writes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .outputs import OutputError, OutputFolder, default_out_dir
from .scenario import ScenarioError, check_run_size, load_scenario


class Fail(click.ClickException):
    """A one-line error with exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)


@contextmanager
def output_folder(path: Path, option: str = "--out") -> Iterator[OutputFolder]:
    """Check an output folder before the work (one-line error, exit 2) and remove its staging
    folder if the work stops before writing (an error, Ctrl-C)."""
    try:
        target = OutputFolder(path, option)
    except OutputError as exc:
        raise Fail(str(exc)) from None
    try:
        yield target
    except OutputError as exc:
        raise Fail(str(exc)) from None
    finally:
        target.discard()


def scenario_files(paths: tuple[str, ...]) -> Iterator[Path]:
    """Scenario files named directly, or every ``*.yaml`` directly inside a named folder."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(q for q in p.glob("*.y*ml") if q.is_file())
        else:
            yield p


def console():
    from rich.console import Console

    probe = Console()
    return Console(highlight=False, soft_wrap=False, width=probe.width if probe.is_terminal else 140)


class Commands(click.Group):
    """The command group, with click's own usage errors (a bad option or value) shortened to
    the project's one-line form, exit code 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "simulate.py"
            click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sim")
def main() -> None:
    """Attrition projection simulator: project a contingent's strength with uncertainty."""


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--reps", type=int, default=None, help="Replications [default: the scenario's reps].")
@click.option("--seed", type=int, default=None, help="Seed [default: the scenario's seed].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder: new, empty, or an earlier output of this tool [default: out/<scenario name>].")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Override a scenario value, e.g. --set postures.combat.per_day=120 (repeatable).")
@click.option("--no-plot", is_flag=True, help="Skip the PNG charts.")
@click.option("--posterior", type=click.Path(dir_okay=False), default=None,
              help="Parquet file of parameter samples (from calibrate): each run draws a row.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Processes to run blocks of 1,000 replications in (same numbers for any count).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
def run(scenario: str, reps: int | None, seed: int | None, out_dir: str | None,
        overrides: tuple[str, ...], no_plot: bool, posterior: str | None, workers: int, quiet: bool) -> None:
    """Run SCENARIO and write tables, a JSON summary and charts."""
    from .estimates import estimates_for
    from .runner import run as run_model

    try:
        sc = load_scenario(scenario, overrides)
        estimates = estimates_for(scenario, sc.estimates)
        check_run_size(reps, seed)
        if not 1 <= workers <= 256:
            raise ScenarioError("--workers", "workers", f"must be between 1 and 256 (got {workers})")
    except ScenarioError as exc:
        raise Fail(str(exc)) from None
    n_reps = sc.reps if reps is None else reps
    n_seed = sc.seed if seed is None else seed
    fixed = None
    if posterior:
        from .posterior import PosteriorError, posterior_draws

        try:
            fixed = posterior_draws(posterior, sc, n_reps, n_seed)
        except PosteriorError as exc:
            raise Fail(str(exc)) from None
    out = Path(out_dir) if out_dir else default_out_dir(sc.name)
    with output_folder(out) as target:
        interactive = not quiet and sys.stderr.isatty()
        result = run_model(sc, n_reps, n_seed, progress=interactive, fixed=fixed, workers=workers)
        files = result.save(target, plot=not no_plot, estimates=estimates)
    if not quiet:
        print_run(result)
        click.echo(f"wrote {len(files)} files to {out}/")


def print_run(result) -> None:
    from rich.table import Table

    con = console()
    eff = result.measure("effective")
    last = eff.iloc[-1]
    con.print(f"[bold]{result.scenario.name}[/]: {result.reps:,} runs, seed {result.seed}, "
              f"{result.dates[0]} to {result.dates[-1]}")
    con.print(f"effective strength on {result.dates[-1]}: median {last['q50']:,.0f} "
              f"(90% {last['q05']:,.0f} to {last['q95']:,.0f}); peak median {eff['q50'].max():,.0f}")
    if len(result.thresholds):
        t = Table(title="Thresholds: first-crossing date", title_justify="left")
        for col, just in (("threshold", "left"), ("condition", "left"), ("P(by end)", "right"),
                          ("median", "right"), ("5%", "right"), ("95%", "right")):
            t.add_column(col, justify=just)
        for r in result.thresholds.to_dict("records"):
            t.add_row(r["threshold"], r["condition"], f"{r['probability_by_end']:.0%}",
                      *(_date_cell(r[k], "not by end") for k in ("median", "p05", "p95")))
        con.print(t)
    if len(result.claims):
        print_claims(result.claims)


def _date_cell(value, missing: str) -> str:
    """A date for a table cell; ``missing`` for None/NaN (not crossed)."""
    from .claims import is_date

    return value if is_date(value) else missing


def print_claims(frame) -> None:
    """The claims table: probability each holds, when, and the verdict."""
    from rich.table import Table

    from .claims import crossing_cell

    t = Table(title="Claims", title_justify="left")
    multi = frame["scenario"].nunique() > 1
    cols = (["scenario"] if multi else []) + ["claim", "test", "P(holds)", "median crossing", "verdict"]
    for col in cols:
        t.add_column(col, justify="right" if col == "P(holds)" else "left", overflow="fold")
    for r in frame.to_dict("records"):
        cells = ([r["scenario"]] if multi else []) + [
            r["id"], r["test"], f"{r['probability']:.0%}", crossing_cell(r).split(" (")[0],
            f"{r['verdict']} ({r['likelihood']})"]
        t.add_row(*cells)
    console().print(t)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files (or folders of them), and the estimates files they name, without
    running them."""
    from .estimates import estimates_for

    bad = 0
    for path in scenario_files(paths):
        try:
            sc = load_scenario(path)
            estimates_for(path, sc.estimates)
        except ScenarioError as exc:
            bad += 1
            click.echo(f"error: {exc}", err=True)
            continue
        n = len(sc.all_units)
        click.echo(f"ok: {path} ({sc.name}: {n} unit{'s' * (n != 1)}, {sc.days} days, "
                   f"{len(sc.thresholds)} thresholds)")
    if bad:
        sys.exit(2)


def _add_commands() -> None:
    """Commands defined in their own modules (each exposes ``COMMANDS``, a list)."""
    import importlib

    for name in ("cli_claims", "cli_sweep", "cli_calibrate"):
        try:
            module = importlib.import_module(f"sim.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sim.{name}":
                raise
            continue
        for command in module.COMMANDS:
            main.add_command(command)


_add_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
