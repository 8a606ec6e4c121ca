"""Command line for the reported figures and the claims made from them.

``simulate.py estimates FILE`` prints an estimates file as a table.  ``simulate.py claims
FOLDER`` runs every scenario in a folder that carries claims and writes one table of all the
claims (``claims.csv``, ``claims.md``) with, per scenario, the probability of crossing each
threshold (claim dates marked) and fan charts with the reported figures overlaid, and all of it
with each scenario's assumptions in one self-contained ``report.html``.  Bad input prints one line
naming the file, the field and the rule, exits with code 2 and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
import pandas as pd

from . import __version__
from .charts import claims_chart
from .claims import CLAIM_COLUMNS, crossing_cell, date_text, is_date
from .cli_common import (
    Fail,
    console,
    make_table,
    output_folder,
    print_claims,
    scenario_files,
    sha256_of,
    workers_option,
)
from .conditions import deadline
from .decision import decide
from .domains import value_text
from .errors import InputError
from .estimates import Estimates, estimates_for, load_estimates
from .folders import staged
from .loading import load_scenario
from .parallel import check_workers
from .report_html import claims_report
from .report_html import estimate_figure as _figure
from .report_html import estimate_when as _when
from .results import Result
from .rules import check_run_size
from .runner import run as run_model
from .scenario import Scenario

# -- estimates --------------------------------------------------------------------------------


def print_estimates(est: Estimates) -> None:
    """The estimates as a table: date, kind, figure, who, outlet and source."""
    t = make_table(f"Reported estimates: {est.case} ({len(est.estimates)})")
    t.add_column("id", overflow="fold", ratio=2)
    t.add_column("date", no_wrap=True)
    t.add_column("what", overflow="fold", ratio=2)
    t.add_column("who (outlet, source)", overflow="fold", ratio=3)
    for e in sorted(est.estimates, key=lambda e: (e.first_date, e.id)):
        t.add_row(
            e.id, _when(e), f"{e.kind} {_figure(e)}".removesuffix(" -"), f"{e.who} ({e.outlet}, {e.source_label})"
        )
    console().print(t)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
def estimates(file: str) -> None:
    """Print the reported estimates in FILE as a table."""
    try:
        est = load_estimates(file)
    except InputError as exc:
        raise Fail(str(exc)) from None
    print_estimates(est)


# -- claims -----------------------------------------------------------------------------------


def claims_markdown(frame: pd.DataFrame) -> str:
    """The claims as a Markdown table (one row per claim and scenario)."""
    decided = "decided_by" in frame.columns
    head = ["scenario", "claim", "said by", "test", "P(holds)", "median crossing (5% to 95%)", "verdict"]
    head += ["decided by"] if decided else []
    align = ["---"] * 4 + ["--:", "---", "---"] + (["---"] if decided else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for r in frame.to_dict("records"):
        who = r["who"] + (f", {date_text(r['said_on'])}" if is_date(r["said_on"]) else "")
        cells = [
            r["scenario"],
            r["id"],
            who,
            r["test"],
            f"{r['probability']:.0%}",
            crossing_cell(r),
            f"{r['verdict']} ({r['likelihood']})",
        ] + ([r["decided_by"] or ""] if decided else [])
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def claim_measures(s: Scenario) -> list[str]:
    """Measures worth a fan chart for a scenario's claims: casualties (what is reported), then
    the measure each claim tests."""
    out = ["casualties"]
    for c in s.claims:
        t = c.holds_if
        m = s.thresholds[t.threshold].measure if t.threshold else t.measure
        if m and m not in out:
            out.append(m)
    return out


def claim_plots(result: Result, est: Estimates | None, folder: Path) -> list[Path]:
    """Crossing probabilities with each claim's date marked, and fan charts with the reported
    figures (points with their ranges) overlaid; written as PNG files into ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result.scenario
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    if len(s.thresholds):
        marks = {c.id: d for c in s.claims if s.start <= (d := deadline(c, s)) <= s.end}
        ax = result.plot_crossing(marks=marks)
        files.append(folder / "crossing.png")
        ax.figure.savefig(files[-1], dpi=110)
        plt.close(ax.figure)
    for m in claim_measures(s):
        overlay = None
        if est is not None:
            overlay = est.overlay(m)
            inside = (overlay["date"] >= pd.Timestamp(s.start)) & (overlay["date"] <= pd.Timestamp(s.end))
            overlay = overlay[inside]
        ax = result.plot(m, estimates=overlay)
        files.append(folder / f"fan-{m}.png")
        ax.figure.savefig(files[-1], dpi=110)
        plt.close(ax.figure)
    return files


def load_all(paths: tuple[str, ...]) -> list[tuple[Path, Scenario, Estimates | None]]:
    """Every scenario named (files, or folders of them) with its estimates, all validated
    before anything runs.

    Raises
    ------
    InputError
        The first bad file, in one line.
    """
    files = list(scenario_files(paths))
    if not files:
        raise InputError(", ".join(paths), "", "holds no scenario files (*.yaml)")
    loaded, names = [], {}
    for f in files:
        sc = load_scenario(f)
        if f.stem in names:
            raise InputError(str(f), "", f"has the same file name as {names[f.stem]}")
        names[f.stem] = f
        loaded.append((f, sc, estimates_for(f, sc.estimates)))
    return loaded


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--reps", type=int, default=2000, show_default=True, help="Replications per scenario.")
@click.option("--seed", type=int, default=None, help="Seed [default: each scenario's seed].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/claims",
    show_default=True,
    help="Output folder: new, empty, or an earlier output of this tool.",
)
@click.option(
    "--decided-by",
    "decided_by",
    is_flag=True,
    help="Add a 'decided by' column: the assumption whose break-even lies closest to the scenario's value "
    "(simulate.py decide on every uncertain parameter, to a precision of 0.03; slower).",
)
@workers_option("Threads sharing out blocks of 1,000 replications (assumptions, with --decided-by)")
@click.option("--no-plot", is_flag=True, help="Skip the PNG charts.")
@click.option("--quiet", "-q", is_flag=True, help="No progress or table.")
def claims(
    paths: tuple[str, ...],
    reps: int,
    seed: int | None,
    out_dir: str,
    decided_by: bool,
    workers: int | None,
    no_plot: bool,
    quiet: bool,
) -> None:
    """Run every scenario in PATHS (files or folders) and tabulate all their claims."""
    try:
        check_run_size(reps, seed)
        loaded = load_all(paths)
        workers = check_workers(workers)
    except InputError as exc:
        raise Fail(str(exc)) from None
    out = Path(out_dir)
    with output_folder(out) as target:
        runs, frame = _run_claims(loaded, reps, seed, workers, quiet)
        if decided_by:
            frame["decided_by"] = _decided_by(loaded, frame, seed, workers, quiet)
        files = staged(target, lambda d: _write_claims(d, out, frame, runs, reps, seed, no_plot), "claims")
    if not quiet:
        if len(frame):
            print_claims(frame)
        skipped = len(loaded) - len(runs)
        click.echo(
            f"{len(frame)} claims from {len(runs)} scenarios"
            + (f" ({skipped} without claims skipped)" if skipped else "")
            + f"; wrote {len(files)} files to {out}/"
        )


def _run_claims(loaded, reps: int, seed: int | None, workers: int, quiet: bool):
    """Run every loaded scenario that has claims; their results and one claims table."""
    runs = []
    for path, sc, est in loaded:
        if not sc.claims:
            continue
        if not quiet and sys.stderr.isatty():
            click.echo(f"running {path.name} ...", err=True)
        runs.append((path, run_model(sc, reps, sc.seed if seed is None else seed, workers=workers), est))
    frames = [r.claims for _, r, _ in runs]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CLAIM_COLUMNS)
    return runs, frame


def _decided_by(loaded, frame, seed: int | None, workers: int, quiet: bool) -> list[str]:
    """For each claim row, the assumption whose break-even lies closest to the scenario's own
    value, with that break-even (``none in range`` when no assumption's range holds one)."""
    scenarios = {sc.name: sc for _, sc, _ in loaded}
    out = []
    for r in frame.to_dict("records"):
        sc = scenarios[r["scenario"]]
        if not quiet and sys.stderr.isatty():
            click.echo(f"deciding {r['id']} in {sc.name} ...", err=True)
        try:
            found = decide(sc, r["id"], precision=0.03, seed=seed, workers=workers)
        except InputError:  # no uncertain parameter to decide on
            out.append("no uncertain assumption")
            continue
        best = found[found["holds"] != ""].head(1)
        if best.empty:
            out.append("none in range")
            continue
        b = best.iloc[0]
        x = value_text(b["param"], b["break_even"], sc.start)
        own = value_text(b["param"], b["scenario_value"], sc.start)
        out.append(f"{b['param']} = {x} (scenario: {own})")
    return out


def _write_claims(d: Path, out: Path, frame, runs, reps: int, seed: int | None, no_plot: bool) -> list[Path]:
    frame.to_csv(d / "claims.csv", index=False, float_format="%.4g")
    seeds = "each scenario's own seed" if seed is None else f"seed {seed}"
    note = f"<!-- sim {__version__}: {len(runs)} scenarios, {reps:,} runs each, {seeds} -->\n"
    (d / "claims.md").write_text(note + claims_markdown(frame), encoding="utf-8")
    files = [d / "claims.csv", d / "claims.md"]
    charts: dict[str, list[Path]] = {}
    if not no_plot and len(frame):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = claims_chart(frame)
        fig.savefig(d / "claims.png", dpi=110)
        plt.close(fig)
        files.append(d / "claims.png")
        charts[""] = [d / "claims.png"]
    if not no_plot:
        for path, result, est in runs:
            charts[path.stem] = claim_plots(result, est, d / path.stem)
            files += charts[path.stem]
    prov = {
        "version": __version__,
        "seed": seeds,
        "reps": f"{reps:,} per scenario",
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    hashes = {path.stem: sha256_of(path) for path, _, _ in runs}
    (d / "report.html").write_text(claims_report(frame, runs, prov, charts, hashes), encoding="utf-8")
    files.append(d / "report.html")
    return [out / f.relative_to(d) for f in files]
