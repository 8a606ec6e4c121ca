"""What the command modules share: the one-line error, output folders, scenario files named on
the command line, the console and the claims table.

The command modules (:mod:`sim.cli_run`, :mod:`sim.cli_claims`, :mod:`sim.cli_sweep`,
:mod:`sim.cli_calibrate`) import this module; :mod:`sim.cli` imports them by name when their
command is used.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from .claims import crossing_cell, date_text
from .errors import InputError
from .folders import OutputFolder


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
    except InputError as exc:
        raise Fail(str(exc)) from None
    try:
        yield target
    except InputError as exc:
        raise Fail(str(exc)) from None
    finally:
        target.discard()


def workers_option(what: str):
    """The ``--workers`` option, the same default and wording for every command: ``what`` says
    what the workers share (e.g. "Threads sharing out blocks of 1,000 replications")."""
    return click.option(
        "--workers",
        type=int,
        default=None,
        help=f"{what} [default: all available CPUs] (the same numbers for any count).",
    )


def scenario_files(paths: tuple[str, ...]) -> Iterator[Path]:
    """Scenario files named directly, or every ``*.yaml`` directly inside a named folder."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(q for q in p.glob("*.y*ml") if q.is_file())
        else:
            yield p


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hexadecimal."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: Tables in a file, a pipe or a pager: plain ASCII, columns apart, a rule under the header.
PLAIN = box.Box("    \n    \n -- \n    \n    \n -- \n    \n    \n", ascii=True)


#: A console at least this wide gets the tables' wide layouts (a column each); a narrower one
#: stacks a row's long texts in one cell (the condition under the threshold, the test under the
#: claim), so that every table reads at 80 columns.
WIDE = 110


def console() -> Console:
    """A console for tables: as wide as the terminal (or ``COLUMNS``; 80 columns when there is
    neither), with no colour or styles when the output goes to a file or a pipe. Lines of text
    are not wrapped; tables are fitted to the width."""
    if sys.stdout.isatty():
        return Console(highlight=False, soft_wrap=True, emoji=False)
    return Console(highlight=False, soft_wrap=True, emoji=False, file=_Trimmed(sys.stdout))


class _Trimmed:
    """Standard output without the spaces a table pads its lines with (plain text for files)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(re.sub(r"[ \t]+\n", "\n", text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def make_table(title: str) -> Table:
    """A table for :func:`console`: ruled boxes in a terminal; plain ASCII (:data:`PLAIN`) when the
    output goes to a file, a pipe or a pager."""
    if console().is_terminal:
        return Table(title=title, title_justify="left", title_style="bold", box=box.HEAVY_HEAD)
    return Table(title=title, title_justify="left", title_style="", box=PLAIN, show_edge=False, pad_edge=False)


def stacked(*lines: str, under: str = ""):
    """One table cell of several texts: the first, then ``under`` (indented by two spaces, its
    wrapped lines too), for the narrow layouts (a threshold's condition under its name)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    return Group(*(Text(x, overflow="fold") for x in lines), Padding(Text(under, overflow="fold"), (0, 0, 0, 2)))


def widest_that_fits(con: Console, wide: Table, narrow: Table) -> Table:
    """``wide`` when it fits the console's width with no cell broken, else ``narrow`` (the wide
    table's natural width is measured in a console with room to spare)."""
    from rich.measure import Measurement

    natural = Measurement.get(con, con.options.update_width(10_000), wide).maximum
    return wide if natural <= con.width else narrow


def date_cell(value, missing: str) -> str:
    """A date for a table cell; ``missing`` for None/NaN (not crossed)."""
    return date_text(value, missing)


def print_claims(frame) -> None:
    """The claims table: probability each holds, when, and the verdict. In a narrow console
    (under :data:`WIDE` columns) the test goes under the claim's id, and the scenario above it."""
    con = console()
    wide = con.width >= WIDE
    t = make_table("Claims")
    multi = frame["scenario"].nunique() > 1
    decided = "decided_by" in frame.columns
    names = ((["scenario"] if multi else []) + ["claim", "test"]) if wide else ["claim (test)"]
    for col in names:
        t.add_column(col, overflow="fold", ratio=3)
    t.add_column("P(holds)", justify="right", no_wrap=True)
    t.add_column("median\ncrossing", no_wrap=True)
    t.add_column("verdict", overflow="fold", max_width=None if wide else 18)
    if decided:
        t.add_column("decided by", overflow="fold", ratio=2)
    for r in frame.to_dict("records"):
        if wide:
            first = ([r["scenario"]] if multi else []) + [r["id"], r["test"]]
        else:
            first = [stacked(*([r["scenario"]] if multi else []), r["id"], under=r["test"])]
        t.add_row(
            *first,
            f"{r['probability']:.0%}",
            crossing_cell(r).split(" (")[0],
            f"{r['verdict']} ({r['likelihood']})",
            *([r["decided_by"] or ""] if decided else []),
        )
    con.print(t)
