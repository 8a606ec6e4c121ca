"""The files of a run: the resolved scenario, tables, JSON summary, charts and a report
(``report.html``), and with ``save_runs`` every run as data (:mod:`sim.runs_data`), written into
an output folder (:mod:`sim.folders`) in one atomic step."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .folders import OutputFolder, staged, target_path
from .measures import plain_records
from .report_html import run_report, scenario_notes
from .runs_data import write_runs
from .scenario import opponent_measure

if TYPE_CHECKING:
    import numpy as np

    from .estimates import Estimates
    from .results import Result


def resolved_yaml(result: Result) -> str:
    data = result.scenario.dump()
    data["seed"], data["reps"] = result.seed, result.reps
    head = (
        f"# Resolved scenario written by sim {result.version}; run it again with the same\n"
        f"# seed ({result.seed}) and reps ({result.reps}) to get the same numbers.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def run_provenance(result: Result, scenario_text: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Where a run's numbers come from: the scenario's name and the SHA-256 of its resolved text
    (``scenario.yaml`` in the run's folder), the file it was read from and that file's SHA-256
    when ``extra`` gives them, the posterior file, seed, replications, version and the time of
    writing (UTC)."""
    extra = extra or {}
    return {
        "scenario": result.scenario.name,
        "scenario_sha256": hashlib.sha256(scenario_text.encode("utf-8")).hexdigest(),
        "scenario_file": extra.get("scenario_file"),
        "scenario_file_sha256": extra.get("scenario_file_sha256"),
        "posterior": extra.get("posterior"),
        "seed": result.seed,
        "reps": result.reps,
        "version": result.version,
        "start": result.dates[0].isoformat(),
        "end": result.dates[-1].isoformat(),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_run(
    result: Result,
    out_dir: str | Path | OutputFolder,
    plot: bool = True,
    extra: dict[str, Any] | None = None,
    estimates: Estimates | None = None,
    save_runs: bool = False,
    values: dict[str, np.ndarray] | None = None,
) -> list[Path]:
    """Write the resolved scenario, tables, JSON summary, plots and ``report.html`` of a run into
    ``out_dir`` (with ``estimates``, reported figures are drawn on the fan charts and listed in
    the report; ``extra`` goes into ``summary.json``, and its ``scenario_file`` gives the report
    the notes of the scenario file).

    With ``save_runs``, also ``runs.parquet`` and ``trajectories.nc`` (:mod:`sim.runs_data`):
    the result must hold its trajectories (``sim.run(..., keep_trajectories=True)``), and
    ``values`` are the per-replication values given to the run, if any (``sim.run(values=...)``).
    """
    if save_runs and result.trajectories is None:
        raise ValueError("save_runs needs the trajectories: run with keep_trajectories=True")
    shown = target_path(out_dir)
    scenario_text = resolved_yaml(result)
    prov = run_provenance(result, scenario_text, extra)

    def fill(d: Path) -> list[Path]:
        files = [
            _text(d / "scenario.yaml", scenario_text),
            _frame(d / "quantiles.csv", result.quantiles),
            _frame(d / "thresholds.csv", result.thresholds),
            _frame(d / "crossing.csv", result.crossing),
        ]
        summary = result.summary()
        summary["scenario_sha256"] = prov["scenario_sha256"]
        if extra:
            summary.update(extra)
        if save_runs:
            files += write_runs(result, d, prov, values)
        charts = write_plots(result, d, estimates) if plot else []
        files += charts
        notes = scenario_notes((extra or {}).get("scenario_file"))
        files.append(_text(d / "report.html", run_report(result, prov, charts, estimates, notes)))
        summary["files"] = sorted([f.name for f in files] + ["summary.json"])
        files.append(_text(d / "summary.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "run")


def write_plots(result: Result, d: Path, estimates: Estimates | None = None) -> list[Path]:
    """``fan.png`` (effective strength); ``fan-opponent.png`` (the opponent's) and ``sides.png``
    (both) when there is an opponent; ``fan-casualties.png`` when there are reported casualty
    figures to show against it; ``crossing.png`` when there are thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    panels = [("fan.png", "effective")]
    opponent = opponent_measure("effective")
    if opponent in result.measures:
        panels.append(("fan-opponent.png", opponent))
    if estimates is not None and len(estimates.overlay("casualties")):
        panels.append(("fan-casualties.png", "casualties"))
    for name, measure in panels:
        over = estimates.overlay(measure) if estimates is not None else None
        ax = result.plot(measure, estimates=over)
        out.append(d / name)
        ax.figure.savefig(out[-1], dpi=120)
        plt.close(ax.figure)
    if opponent in result.measures:
        over = {m: estimates.overlay(m) for m in ("effective", opponent)} if estimates is not None else None
        ax = result.plot_sides(estimates=over)
        out.append(d / "sides.png")
        ax.figure.savefig(out[-1], dpi=120)
        plt.close(ax.figure)
    if len(result.thresholds):
        ax = result.plot_crossing()
        out.append(d / "crossing.png")
        ax.figure.savefig(out[-1], dpi=120)
        plt.close(ax.figure)
    return out


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _frame(path: Path, frame) -> Path:
    frame.to_csv(path, index=False, float_format="%.6g")
    return path


def write_decision(
    frame, info: dict[str, Any], out_dir: str | Path | OutputFolder, plot: bool = True, start=None
) -> list[Path]:
    """``decide.csv`` (one row per assumption), ``decide.json`` (the same with the run's settings)
    and ``decide.png`` (the break-even chart) of :func:`sim.decide`, written atomically."""
    shown = target_path(out_dir)

    def fill(d: Path) -> list[Path]:
        files = [_frame(d / "decide.csv", frame)]
        if plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from .decision.charts import breakeven_chart

            fig = breakeven_chart(frame, info["claim"], start)
            files.append(d / "decide.png")
            fig.savefig(files[-1], dpi=120)
            plt.close(fig)
        rows = plain_records(frame)
        summary = {**info, "assumptions": rows, "files": sorted([f.name for f in files] + ["decide.json"])}
        files.append(_text(d / "decide.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "decide")


def write_discovery(
    trajectory, box, info: dict[str, Any], out_dir: str | Path | OutputFolder, plot: bool = True
) -> list[Path]:
    """``box.csv`` (the chosen box), ``trajectory.csv`` (the peeling trajectory),
    ``discover.json`` and ``discover.png`` of :func:`sim.discover`, written atomically."""
    shown = target_path(out_dir)

    def fill(d: Path) -> list[Path]:
        files = [_frame(d / "box.csv", box), _frame(d / "trajectory.csv", trajectory)]
        if plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from .decision.charts import discovery_chart

            fig = discovery_chart(trajectory, box, info["sentence"])
            files.append(d / "discover.png")
            fig.savefig(files[-1], dpi=120)
            plt.close(fig)
        summary = {**info, "box": plain_records(box)}
        summary["files"] = sorted([f.name for f in files] + ["discover.json"])
        files.append(_text(d / "discover.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "discover")


def write_compare(
    table, combined, claims, info: dict[str, Any], out_dir: str | Path | OutputFolder, plot: bool = True, overlay=None
) -> list[Path]:
    """``compare.csv`` (the stories, their evidence and weights), ``combined.csv`` (the combined
    projection), ``claims.csv``, ``compare.json`` and ``compare.png`` of
    :func:`sim.calibration.compare.compare`, written atomically."""
    shown = target_path(out_dir)

    def fill(d: Path) -> list[Path]:
        files = [
            _frame(d / "compare.csv", table),
            _frame(d / "combined.csv", combined),
            _frame(d / "claims.csv", claims),
        ]
        if plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from .charts import stories_chart

            ax = stories_chart(combined, info["measure"], info["until"], overlay)
            files.append(d / "compare.png")
            ax.figure.savefig(files[-1], dpi=120)
            plt.close(ax.figure)
        summary = {
            **info,
            "stories": plain_records(table),
            "claims": plain_records(claims),
            "files": sorted([f.name for f in files] + ["compare.json"]),
        }
        files.append(_text(d / "compare.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "compare")


def write_score(
    frame,
    info: dict[str, Any],
    out_dir: str | Path | OutputFolder,
    plot: bool = True,
    result: Result | None = None,
    reports=None,
    after=None,
) -> list[Path]:
    """``scores.csv`` (one row per scored report), ``score.json`` (the summary, settings and
    provenance, and the rows) and ``score.png`` (the fan chart of each scored measure with the
    reports, and the PIT histogram) of :func:`sim.scoring.score`, written atomically."""
    shown = target_path(out_dir)

    def fill(d: Path) -> list[Path]:
        files = [_frame(d / "scores.csv", frame)]
        if plot and result is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from .charts import score_chart

            fig = score_chart(result, frame, reports, after)
            files.append(d / "score.png")
            fig.savefig(files[-1], dpi=120)
            plt.close(fig)
        summary = {**info, "files": sorted([f.name for f in files] + ["score.json"])}
        files.append(_text(d / "score.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "score")
