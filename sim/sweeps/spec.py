"""A sweep's settings, checked against its scenario: what varies, how, and what is measured.

:func:`make_sweep` merges a sweep file (:mod:`sim.sweeps.file`) with the settings given as
arguments or command-line options (which win), checks them against the scenario, and returns
one frozen :class:`Sweep`.  Every error is a :class:`~sim.errors.InputError` naming the
file or option, the field and the rule.  The swept ranges are checked by
:mod:`sim.sweeps.ranges`: each on its field's domain, and every combination of them making a
valid scenario.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..domains import domain_of
from ..errors import InputError
from ..fields import MAX_REPS
from ..loading import load_scenario
from ..params import Param
from ..rules import check_run_size
from ..scenario import Scenario
from ..yamlfile import line_of
from . import designs
from .designs.scale import scale
from .file import SweepFile, parse_param_option, parse_range, read_sweep_file
from .ranges import Swept, check_ranges
from .scalars import Output, OutputSpecError, check_output, default_outputs, parse_output, with_crossing

DEFAULT_REPS = 200
#: Replications an engine run aims at: large enough that the engine's per-day overhead is
#: small, small enough that results arrive steadily.
BATCH_REPS = 5000
#: Fewest replications an engine run aims at (the engine costs about a millisecond a day
#: whatever the number of replications).
MIN_BATCH_REPS = 1000
#: The layout of a sweep's folder and files; a sweep of another format is not resumed.
FORMAT = 2


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the scenario, what varies, the design, and what is measured."""

    scenario: Scenario
    params: dict[str, Param]
    design: str
    n: int
    levels: int
    second_order: bool
    outputs: tuple[Output, ...]
    reps: int
    seed: int
    batch_points: int
    scenario_file: str = ""
    version: str = __version__

    @property
    def scenario_json(self) -> str:
        """The resolved scenario as canonical JSON (what the workers read)."""
        return scenario_json(self.scenario.dump())

    @property
    def paths(self) -> list[str]:
        return list(self.params)

    @property
    def points(self) -> int:
        return designs.design_size(self.design, len(self.params), self.n, self.second_order)

    @property
    def batches(self) -> int:
        return -(-self.points // self.batch_points)

    @property
    def columns(self) -> list[str]:
        """Every output column, in order."""
        return [c for o in self.outputs for c in o.columns]

    def unit_design(self) -> np.ndarray:
        """The design in the unit cube (see :func:`sim.sweeps.designs.unit_design`)."""
        return designs.unit_design(self.design, len(self.params), self.n, self.seed, self.levels, self.second_order)

    def design_frame(self) -> pd.DataFrame:
        """Every point: its index, batch, the design's own columns (oat's ``varied``) and
        parameter values."""
        unit = self.unit_design()
        values = scale(unit, list(self.params.values()), [domain_of(p) for p in self.paths])
        points = np.arange(len(unit))
        frame = pd.DataFrame({"point": points, "batch": points // self.batch_points})
        for column, labels in designs.design(self.design).extra(unit, self.paths).items():
            frame[column] = labels
        for i, path in enumerate(self.paths):
            frame[path] = values[:, i]
        return frame

    def manifest(self) -> dict[str, Any]:
        """The sweep as plain data: everything that decides its numbers."""
        return {
            "format": FORMAT,
            "version": self.version,
            "scenario": self.scenario.dump(),
            "params": {k: p.to_yaml() for k, p in self.params.items()},
            "design": self.design,
            "n": self.n,
            "levels": self.levels,
            "second_order": self.second_order,
            "outputs": [o.column for o in self.outputs],
            "reps": self.reps,
            "seed": self.seed,
            "batch_points": self.batch_points,
            "points": self.points,
            "batches": self.batches,
        }


def scenario_json(dump: dict[str, Any]) -> str:
    """A scenario's dump (``Scenario.dump()``, or the ``scenario`` of ``sweep.json``) as
    canonical JSON: keys sorted, so that the same scenario always gives the same text."""
    return json.dumps(dump, sort_keys=True)


def provenance(manifest: dict[str, Any]) -> dict[str, Any]:
    """What a sweep's files record of how their numbers were made: the sweep's settings
    (:meth:`Sweep.manifest`) with the scenario by name and by the SHA-256 of its canonical
    JSON (:func:`scenario_json`) instead of in full (``scenario.yaml`` holds it)."""
    scenario = manifest["scenario"]
    return {
        "scenario": scenario.get("name"),
        "scenario_sha256": hashlib.sha256(scenario_json(scenario).encode()).hexdigest(),
        **{k: v for k, v in manifest.items() if k != "scenario"},
    }


def default_batch_points(reps: int, points: int) -> int:
    """Points per engine run: about :data:`BATCH_REPS` replications; fewer (down to
    :data:`MIN_BATCH_REPS`) when that gives fewer than 8 batches, so that several workers
    can share a small sweep."""
    most = -(-BATCH_REPS // reps)
    least = -(-MIN_BATCH_REPS // reps)
    return max(1, min(points, max(least, min(most, -(-points // 8)))))


def make_sweep(
    scenario: Scenario | str | Path,
    *,
    file: str | Path | None = None,
    params: dict[str, Any] | list[str] | tuple[str, ...] | None = None,
    design: str | None = None,
    n: int | None = None,
    levels: int | None = None,
    second_order: bool | None = None,
    outputs: list[Any] | tuple[Any, ...] | None = None,
    reps: int | None = None,
    seed: int | None = None,
    batch_points: int | None = None,
    overrides: list[str] | tuple[str, ...] = (),
) -> Sweep:
    """Check a sweep's settings against its scenario and build the :class:`Sweep`.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to sweep.
    file : path, optional
        A sweep file (see :mod:`sim.sweeps.file`); arguments given here win over it.
    params : dict or list of str
        Swept parameters: ``{path: "low:high" | [low, high] | distribution}``, or
        ``["path=low:high", ...]`` as on the command line.
    design, n, levels, second_order
        The design (see :mod:`sim.sweeps.designs`) [default: ``oat``].
    outputs : list
        Output names or mappings (see :mod:`sim.sweeps.scalars`) [default: every threshold's
        median crossing day and every claim's probability]; ``p_cross:<threshold>`` is added
        beside every ``median_day:<threshold>`` that lacks it.
    reps : int
        Replications per point [default 200].
    seed : int
        The sweep's seed [default: the scenario's].
    batch_points : int
        Points per engine run; with ``reps`` and ``seed`` it decides the random numbers.
    overrides : list of str
        ``path=value`` scenario overrides, as ``run --set``.

    Raises
    ------
    InputError
        One line naming the file or option, the field and the rule.
    """
    f = _FileSettings(file)
    base, source = _scenario(scenario, f, overrides)
    swept = _swept(base, f, params)
    design_, n_, levels_, second_ = _design(f, len(swept), design, n, levels, second_order)
    outs = _outputs(base, f, outputs)
    reps_ = reps if reps is not None else f.spec.reps or DEFAULT_REPS
    seed_ = seed if seed is not None else f.spec.seed if f.spec.seed is not None else base.seed
    check_run_size(reps_, seed_)
    bp = _batch_points(f, batch_points, reps_, designs.design_size(design_, len(swept), n_, second_))
    return Sweep(
        scenario=base,
        params=swept,
        design=design_,
        n=n_,
        levels=levels_,
        second_order=second_,
        outputs=tuple(outs),
        reps=reps_,
        seed=seed_,
        batch_points=bp,
        scenario_file=source,
    )


def _design(
    f: _FileSettings, n_params: int, design: str | None, n: int | None, levels: int | None, second_order: bool | None
) -> tuple[str, int, int, bool]:
    """The design, its size, Morris levels and Sobol second order (the caller's, else the
    file's, else the defaults), checked."""
    design_ = design if design is not None else f.spec.design or designs.DEFAULT
    try:
        chosen = designs.design(design_)
    except designs.DesignError as exc:
        raise InputError("--design", "design", str(exc)) from None
    n_ = n if n is not None else f.spec.n if f.spec.n is not None else chosen.default_n
    levels_ = levels if levels is not None else f.spec.levels or 4
    second_ = bool(second_order if second_order is not None else f.spec.second_order)
    try:
        chosen.check(n_params, n_, levels_, second_)
    except designs.DesignError as exc:
        given = {"design": design, "n": n, "levels": levels, "second_order": second_order}[exc.field]
        raise f.error(exc.field, str(exc), given) from None
    return design_, n_, levels_, second_


def _batch_points(f: _FileSettings, batch_points: int | None, reps: int, points: int) -> int:
    """Points per engine run (the caller's, else the file's, else :func:`default_batch_points`),
    checked: a batch holds at most :data:`~sim.fields.MAX_REPS` replications."""
    bp = batch_points if batch_points is not None else f.spec.batch_points
    if bp is not None and not 1 <= bp <= MAX_REPS // reps:
        raise f.error(
            "batch_points",
            f"must be between 1 and {MAX_REPS // reps:,} (batch_points x reps at most {MAX_REPS:,})",
            batch_points,
        )
    return bp or default_batch_points(reps, points)


class _FileSettings:
    """The sweep file (or none), and where each of its settings came from."""

    def __init__(self, file: str | Path | None):
        self.src = str(file) if file is not None else ""
        self.spec, self.lines = read_sweep_file(file) if file is not None else (SweepFile(), {})

    def has(self, key: str) -> bool:
        return key in self.spec.model_fields_set

    def error(self, key: str, rule: str, given: Any = None) -> InputError:
        """An error in a setting: in the file, unless the caller gave it as an option."""
        if given is None and self.has(key):
            return InputError(self.src, key, rule, line_of(self.lines, key))
        return InputError("--" + key.replace("_", "-"), key, rule)


def _scenario(
    scenario: Scenario | str | Path, f: _FileSettings, overrides: list[str] | tuple[str, ...]
) -> tuple[Scenario, str]:
    """The scenario with the file's ``set`` and then the caller's overrides, and where it came from."""
    src = f"<scenario {scenario.name}>" if isinstance(scenario, Scenario) else str(scenario)
    s = load_scenario(scenario, overrides, values=f.spec.set_, values_src=f.src, overrides_src="--set")
    return s, src


def _swept(
    base: Scenario, f: _FileSettings, params: dict[str, Any] | list[str] | tuple[str, ...] | None
) -> dict[str, Param]:
    """The swept parameters (the file's, then the caller's), each a numeric parameter of the
    scenario on its field's domain, whose ranges together pass the scenario's own rules."""
    swept: dict[str, Swept] = {
        k: (p, f.src, f"params.{k}", line_of(f.lines, "params", k)) for k, p in f.spec.params.items()
    }
    if isinstance(params, dict):
        for k, v in params.items():
            try:
                swept[k] = (parse_range(v), "params", k, None)
            except ValueError as exc:
                raise InputError("params", k, str(exc)) from None
    else:
        given: set[str] = set()
        for item in params or ():
            k, p = parse_param_option(item)
            if k in given:
                raise InputError("--param", k, "is given twice; give each parameter once")
            given.add(k)
            swept[k] = (p, "--param", k, None)
    if not swept:
        raise InputError(f.src or "--param", "params", "give at least one parameter to sweep")
    check_ranges(base, swept)
    return {k: v[0] for k, v in swept.items()}


def _outputs(base: Scenario, f: _FileSettings, outputs: list[Any] | tuple[Any, ...] | None) -> list[Output]:
    """The outputs (the caller's, else the file's, else the defaults), checked."""
    if outputs:
        outs = []
        for item in outputs:
            try:
                outs.append(parse_output(item))
            except OutputSpecError as exc:
                raise InputError("--output", str(item), str(exc)) from None
    else:
        outs = list(f.spec.outputs) or default_outputs(base)
    from_file = not outputs and bool(f.spec.outputs)
    for i, o in enumerate(outs):
        try:
            check_output(o, base)
        except OutputSpecError as exc:
            if from_file:
                raise InputError(f.src, f"outputs.{i}", str(exc), line_of(f.lines, "outputs", str(i))) from None
            raise InputError("--output", o.column, str(exc)) from None
    if len({o.column for o in outs}) < len(outs):
        raise InputError(f.src if from_file else "--output", "outputs", "an output is named twice")
    return with_crossing(outs)
