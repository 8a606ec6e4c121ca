"""Writing results to disk, atomically.

A run's files are first written into a hidden staging folder beside the output folder and
the folder is then swapped into place with renames, so a crash leaves the old output or the
new one, never a mixture or a half-written file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from .estimates import Estimates
    from .results import Result


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(path: Path, directory: bool = False) -> None:
    """Give a temporary file or folder the permissions a plain create would have had
    (``tempfile`` makes them private to the owner)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def atomic_write(path: Path, write: Callable[[Path], None], durable: bool = False) -> Path:
    """Write one file through a temporary sibling and ``os.replace``; with ``durable`` the
    data reach the disk before the rename (results that must survive a power cut)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        _publish(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def swap_in(staging: Path, out_dir: Path) -> None:
    """Put a finished staging folder in place of ``out_dir`` (renames only)."""
    out_dir = out_dir.resolve()
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
        os.replace(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


def staged(out_dir: Path, fill: Callable[[Path], Any]) -> Any:
    """Create a staging folder beside ``out_dir``, let ``fill`` write into it, swap it in."""
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        value = fill(staging)
        _publish(staging, directory=True)
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return value


def resolved_yaml(result: Result) -> str:
    data = result.scenario.dump()
    data["seed"], data["reps"] = result.seed, result.reps
    head = (f"# Resolved scenario written by sim {result.version}; run it again with the same\n"
            f"# seed ({result.seed}) and reps ({result.reps}) to get the same numbers.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_run(result: Result, out_dir: Path, plot: bool = True, extra: dict[str, Any] | None = None,
              estimates: Estimates | None = None) -> list[Path]:
    """Write the resolved scenario, tables, JSON summary and plots of a run into ``out_dir``
    (with ``estimates``, reported figures are drawn on the fan charts)."""

    def fill(d: Path) -> list[Path]:
        files = [
            _text(d / "scenario.yaml", resolved_yaml(result)),
            _frame(d / "quantiles.csv", result.quantiles),
            _frame(d / "thresholds.csv", result.thresholds),
            _frame(d / "crossing.csv", result.crossing),
        ]
        summary = result.summary()
        if extra:
            summary.update(extra)
        if plot:
            files += write_plots(result, d, estimates)
        summary["files"] = sorted([f.name for f in files] + ["summary.json"])
        files.append(_text(d / "summary.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [out_dir / f.name for f in files]

    return staged(out_dir, fill)


def write_plots(result: Result, d: Path, estimates: Estimates | None = None) -> list[Path]:
    """``fan.png`` (effective strength), ``fan-casualties.png`` when there are reported
    casualty figures to show against it, and ``crossing.png`` when there are thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    panels = [("fan.png", "effective")]
    if estimates is not None and len(estimates.overlay("casualties")):
        panels.append(("fan-casualties.png", "casualties"))
    for name, measure in panels:
        over = estimates.overlay(measure) if estimates is not None else None
        ax = result.plot(measure, estimates=over)
        out.append(d / name)
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
