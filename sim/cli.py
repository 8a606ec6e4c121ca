"""Command line: a thin layer that parses, loads, calls the library and writes.

Bad input prints one line naming the file, the field and the rule, exits with code 2 and
writes nothing.

Each command lives in a module of its own (:mod:`sim.cli_run`, :mod:`sim.cli_claims`,
:mod:`sim.cli_sweep`, :mod:`sim.cli_calibrate`, which share :mod:`sim.cli_common`), imported
only when the command runs or shows its help, so that ``simulate.py --help`` answers without
loading pandas, pydantic or matplotlib.
"""

from __future__ import annotations

import importlib
import sys

import click

from . import __version__

#: Command name -> (``module:function`` that defines it, the first sentence of its help, which
#: the list of commands shows without importing the module).
LAZY_COMMANDS = {
    "calibrate": ("sim.cli_calibrate:calibrate", "Fit parameters of SCENARIO to the reported figures up to a cut-off."),
    "claims": (
        "sim.cli_claims:claims",
        "Run every scenario in PATHS (files or folders) and tabulate all their claims.",
    ),
    "compare": (
        "sim.cli_compare:compare",
        "Weigh the scenarios in PATHS by how well they predicted the reports up to a cut-off, and combine them.",
    ),
    "decide": (
        "sim.cli_decide:decide",
        "Find, for each assumption of SCENARIO, the value at which CLAIM's probability crosses 1/2.",
    ),
    "discover": (
        "sim.cli_decide:discover",
        "Find the box of swept assumptions in which CLAIM holds (PRIM) in the sweep in SWEEP_DIR.",
    ),
    "estimates": ("sim.cli_claims:estimates", "Print the reported estimates in FILE as a table."),
    "run": ("sim.cli_run:run", "Run SCENARIO and write tables, a JSON summary and charts."),
    "score": (
        "sim.cli_score:score",
        "Score a projection against the figures reported after a cut-off (PIT, bands, CRPS).",
    ),
    "sweep": (
        "sim.cli_sweep:sweep",
        "Sweep SCENARIO's parameters and write one row per point (Parquet) as results arrive, with "
        "the analysis that fits the design (tornado, heatmap, Sobol, Morris) and its charts.",
    ),
    "validate": (
        "sim.cli_run:validate",
        "Check scenario files (or folders of them), and the estimates files they name, without running them.",
    ),
}


class Commands(click.Group):
    """The command group.

    Commands named in ``lazy`` (name -> ``("module:function", help)``) are imported on first
    use, when one runs or shows its help; the list of commands in ``--help`` shows the help
    given there.  Click's own usage errors (a bad option or value) are shortened to the
    project's one-line form, exit code 2.
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, name = self.lazy[cmd_name][0].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click's own listing would get (so import) every command for its help text.
        rows = [
            (name, self.commands.get(name) or click.Command(name, help=self.lazy[name][1]))
            for name in self.list_commands(ctx)
        ]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "simulate.py"
            click.echo(f"error: {usage_message(exc)} (see '{where} --help')", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def usage_message(exc: click.UsageError) -> str:
    """A usage error spelled like every other error: the option first, then the rule
    (``--out: Directory 'x' is a file.``; ``--bogus: no such option; did you mean --out?``)."""
    if isinstance(exc, click.NoSuchOption):
        near = sorted(exc.possibilities or ())
        return f"{exc.option_name}: no such option" + (f"; did you mean {' or '.join(near)}?" if near else "")
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"{_name(exc.param)}: is required"
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        return f"{exc.option_name}: needs a value"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        return f"{_name(exc.param)}: {exc.message}"
    return exc.format_message()


def _name(param: click.Parameter) -> str:
    return max(param.opts, key=len) if isinstance(param, click.Option) else (param.human_readable_name or "")


@click.group(
    cls=Commands, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="sim")
def main() -> None:
    """Attrition projection simulator: project a contingent's strength with uncertainty."""


if __name__ == "__main__":  # pragma: no cover
    main()
