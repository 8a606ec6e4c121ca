"""A sweep's settings: the sweep file, parameters given on the command line, and their checks.

A sweep file (YAML; unknown keys refused)::

    params:                                   # scenario parameters by field path
      wounded.return_to_duty: "0.0:0.6"       # a range low:high (or [low, high])
      postures.combat.daily_rate: {uniform: [0.004, 0.012]}   # or any distribution
    design: sobol                             # grid, oat, lhs, morris or sobol
    n: 64                                     # the design's size (see sim.sweep_design)
    levels: 4                                 # Morris grid levels
    second_order: false                       # Sobol second-order indices
    outputs:                                  # scalar outputs per point (see sim.sweep_outputs)
      - median_day:combat_ineffective
      - {claim: fdd-wiped-out-within-months}
      - {measure: effective, date: 2025-06-01, stat: q50}
    reps: 200                                 # replications per point, averaged
    seed: 7                                   # the sweep's seed [default: the scenario's]
    batch_points: 25                          # points per engine run (part of the seed's meaning)
    set: {wounded.died_of_wounds: 0.1}        # fixed overrides of the scenario

Every setting given as a function argument or command-line option wins over the file.
Every error is a :class:`~sim.scenario.ScenarioError` naming the file or option, the field
and the rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BeforeValidator, Field, ValidationError

from . import __version__
from .params import Param, ParamError
from .plan import compile_plan
from .scenario import (
    MAX_REPS,
    Scenario,
    ScenarioError,
    Strict,
    from_data,
    read_yaml,
    set_path,
    validation_error,
)
from .sweep_design import DEFAULT_N, DESIGNS, DesignError, check_design, design_size, scale, unit_design
from .sweep_outputs import Output, OutputError, check_output, default_outputs, parse_output

DEFAULT_REPS = 200
#: Replications an engine run aims at: large enough that the engine's per-day overhead is
#: small, small enough that results arrive steadily.
BATCH_REPS = 5000
#: Fewest replications an engine run aims at (the engine costs about a millisecond a day
#: whatever the number of replications).
MIN_BATCH_REPS = 1000
_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")


def parse_range(value: Any) -> Param:
    """Read a swept parameter: ``"low:high"``, ``[low, high]``, or a distribution mapping."""
    if isinstance(value, Param):
        p = value
    elif isinstance(value, str):
        m = _RANGE.match(value)
        if not m:
            raise ValueError(f"a range is low:high, e.g. 0.1:0.5 (got {value!r})")
        p = _uniform(float(m.group(1)), float(m.group(5)))
    elif isinstance(value, list | tuple):
        if len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
            raise ValueError("a range is a list of two numbers [low, high]")
        p = _uniform(float(value[0]), float(value[1]))
    elif isinstance(value, dict):
        try:
            p = Param.parse(value)
        except ParamError as exc:
            raise ValueError(str(exc)) from None
    else:
        raise ValueError("a swept parameter needs a range low:high or a distribution, not a single value")
    lo, hi = p.bounds
    if p.is_fixed or not lo < hi:
        raise ValueError(f"a swept parameter needs low < high (got {p.describe()})")
    return p


def _uniform(lo: float, hi: float) -> Param:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("a range takes finite numbers")
    if not lo < hi:
        raise ValueError(f"a range needs low < high (got {lo:g}:{hi:g})")
    return Param("uniform", (lo, hi))


SweptParam = Annotated[Param, BeforeValidator(parse_range)]


def _output(value: Any) -> Output:
    try:
        return parse_output(value)
    except OutputError as exc:
        raise ValueError(str(exc)) from None


class SweepFile(Strict):
    """The sweep file's schema (see the module's notes)."""

    params: dict[str, SweptParam] = Field(default_factory=dict)
    design: Literal["grid", "oat", "lhs", "morris", "sobol"] | None = None
    n: int | None = Field(None, ge=1)
    levels: int | None = Field(None, ge=2, le=1000)
    second_order: bool | None = None
    outputs: list[Annotated[Output, BeforeValidator(_output)]] = Field(default_factory=list)
    reps: int | None = Field(None, ge=1, le=MAX_REPS)
    seed: int | None = Field(None, ge=0, lt=2**63)
    batch_points: int | None = Field(None, ge=1, le=1_000_000)
    set_: dict[str, Any] = Field({}, alias="set")


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
    def paths(self) -> list[str]:
        return list(self.params)

    @property
    def points(self) -> int:
        return design_size(self.design, len(self.params), self.n, self.second_order)

    @property
    def batches(self) -> int:
        return -(-self.points // self.batch_points)

    @property
    def columns(self) -> list[str]:
        """Every output column, in order."""
        return [c for o in self.outputs for c in o.columns]

    def unit_design(self) -> tuple[Any, list[int] | None]:
        return unit_design(self.design, len(self.params), self.n, self.seed, self.levels, self.second_order)

    def design_frame(self) -> pd.DataFrame:
        """Every point: its index, batch, parameter values (and for ``oat`` what it varies)."""
        unit, varied = self.unit_design()
        values = scale(unit, list(self.params.values()))
        points = np.arange(len(unit))
        frame = pd.DataFrame({"point": points, "batch": points // self.batch_points})
        if varied is not None:
            frame["varied"] = ["baseline" if v < 0 else self.paths[v] for v in varied]
        for i, path in enumerate(self.paths):
            frame[path] = values[:, i]
        return frame

    def manifest(self) -> dict[str, Any]:
        """The sweep as plain data: everything that decides its numbers."""
        return {
            "format": 1,
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


def default_batch_points(reps: int, points: int) -> int:
    """Points per engine run: about :data:`BATCH_REPS` replications; fewer (down to
    :data:`MIN_BATCH_REPS`) when that gives fewer than 8 batches, so that several workers
    can share a small sweep."""
    most = -(-BATCH_REPS // reps)
    least = -(-MIN_BATCH_REPS // reps)
    return max(1, min(points, max(least, min(most, -(-points // 8)))))


def read_sweep_file(path: str | Path) -> tuple[SweepFile, dict]:
    """Read and check a sweep file's schema; returns it and its line map."""
    data, lines = read_yaml(path, what="sweep")
    try:
        return SweepFile.model_validate(data), lines
    except ValidationError as exc:
        raise validation_error(str(path), exc, lines) from None


def _line(lines: dict, *parts: str) -> int | None:
    return next((lines[parts[:n]] for n in range(len(parts), 0, -1) if parts[:n] in lines), None)


def parse_param_option(item: str) -> tuple[str, Param]:
    """Read ``--param PATH=RANGE`` (``low:high`` or a YAML distribution)."""
    if "=" not in item:
        raise ScenarioError("--param", item, "a swept parameter is PATH=low:high or PATH={uniform: [a, b]}")
    path, raw = (s.strip() for s in item.split("=", 1))
    if not path:
        raise ScenarioError("--param", item, "empty parameter path")
    try:
        value = raw if _RANGE.match(raw) else yaml.safe_load(raw)
    except yaml.YAMLError:
        raise ScenarioError("--param", path, f"{raw!r} is not valid YAML") from None
    try:
        return path, parse_range(value)
    except ValueError as exc:
        raise ScenarioError("--param", path, str(exc)) from None


def _scenario_data(scenario: Scenario | str | Path) -> tuple[dict, str, dict]:
    if isinstance(scenario, Scenario):
        return scenario.dump(), f"<scenario {scenario.name}>", {}
    data, lines = read_yaml(scenario)
    return data, str(scenario), lines


def make_sweep(scenario: Scenario | str | Path, *, file: str | Path | None = None,
               params: dict[str, Any] | list[str] | tuple[str, ...] | None = None,
               design: str | None = None, n: int | None = None, levels: int | None = None,
               second_order: bool | None = None, outputs: list[Any] | tuple[Any, ...] | None = None,
               reps: int | None = None, seed: int | None = None, batch_points: int | None = None,
               overrides: list[str] | tuple[str, ...] = ()) -> Sweep:
    """Check a sweep's settings against its scenario and build the :class:`Sweep`.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to sweep.
    file : path, optional
        A sweep file (see the module's notes); arguments given here win over it.
    params : dict or list of str
        Swept parameters: ``{path: "low:high" | [low, high] | distribution}``, or
        ``["path=low:high", ...]`` as on the command line.
    design, n, levels, second_order
        The design (see :mod:`sim.sweep_design`).
    outputs : list
        Output names or mappings (see :mod:`sim.sweep_outputs`) [default: every threshold's
        median crossing day and every claim's probability].
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
    ScenarioError
        One line naming the file or option, the field and the rule.
    """
    spec, lines, fsrc = SweepFile(), {}, ""
    if file is not None:
        spec, lines = read_sweep_file(file)
        fsrc = str(file)

    def src_of(given: Any, option: str) -> str:
        return option if given is not None else fsrc

    # The scenario, with the file's and then the caller's overrides.
    data, ssrc, slines = _scenario_data(scenario)
    for path, value in spec.set_.items():
        set_path(data, path, value, fsrc)
    for item in overrides:
        if "=" not in item:
            raise ScenarioError("--set", item, "an override is path=value")
        path, raw = item.split("=", 1)
        try:
            set_path(data, path, yaml.safe_load(raw), "--set")
        except yaml.YAMLError:
            raise ScenarioError("--set", path, f"override value {raw!r} is not valid YAML") from None
    if not isinstance(scenario, Scenario):
        from .derive import resolve_derivations

        data = resolve_derivations(data, scenario, slines)
    base = from_data(data, ssrc, slines)
    known = compile_plan(base).params

    # Swept parameters: the file's, then the caller's.
    swept: dict[str, tuple[Param, str, int | None]] = {
        k: (p, fsrc, _line(lines, "params", k)) for k, p in spec.params.items()}
    if isinstance(params, dict):
        for k, v in params.items():
            try:
                swept[k] = (parse_range(v), "params", None)
            except ValueError as exc:
                raise ScenarioError("params", k, str(exc)) from None
    else:
        for item in params or ():
            k, p = parse_param_option(item)
            swept[k] = (p, "--param", None)
    if not swept:
        raise ScenarioError(fsrc or "--param", "params", "give at least one parameter to sweep")
    for path, (p, src, line) in swept.items():
        field_name = f"params.{path}" if src == fsrc and fsrc else path
        if path not in known:
            raise ScenarioError(src, field_name, f"not a numeric parameter of scenario {base.name!r}; "
                                f"known: {', '.join(sorted(known))}", line)
        trial = base.dump()
        set_path(trial, path, p.to_yaml(), src)
        try:
            from_data(trial, src)
        except ScenarioError as exc:
            rule = exc.rule if exc.field in (path, "") else f"{exc.field}: {exc.rule}"
            raise ScenarioError(src, field_name, rule, line) from None

    # The design.
    design_ = design if design is not None else spec.design or "oat"
    dsrc = src_of(design, "--design")
    if design_ not in DESIGNS:
        raise ScenarioError(dsrc or "--design", "design",
                            f"unknown design {design_!r}; allowed: {', '.join(DESIGNS)}")
    n_ = n if n is not None else spec.n if spec.n is not None else DEFAULT_N[design_]
    levels_ = levels if levels is not None else spec.levels or 4
    second_ = bool(second_order if second_order is not None else spec.second_order)
    try:
        check_design(design_, len(swept), n_, levels_, second_)
    except DesignError as exc:
        which = "n" if n is not None else "levels" if levels is not None else "design"
        opt = {"n": "--n", "levels": "--levels", "design": "--design"}[which]
        raise ScenarioError(fsrc if fsrc and (n is None and levels is None and design is None) else opt,
                            which, str(exc), _line(lines, which)) from None

    # Outputs.
    outs: list[Output] = []
    if outputs:
        for item in outputs:
            try:
                outs.append(parse_output(item))
            except OutputError as exc:
                raise ScenarioError("--output", str(item), str(exc)) from None
    outs = outs or list(spec.outputs) or default_outputs(base)
    for i, o in enumerate(outs):
        try:
            check_output(o, base)
        except OutputError as exc:
            from_file = not outputs and spec.outputs
            raise ScenarioError(fsrc if from_file else "--output", f"outputs.{i}" if from_file else o.column,
                                str(exc), _line(lines, "outputs", str(i)) if from_file else None) from None
    if len({o.column for o in outs}) < len(outs):
        raise ScenarioError(src_of(outputs, "--output") or "--output", "outputs", "an output is named twice")

    # Replications, seed, batches.
    reps_ = reps if reps is not None else spec.reps or DEFAULT_REPS
    if not 1 <= reps_ <= MAX_REPS:
        raise ScenarioError("--reps", "reps", f"must be between 1 and {MAX_REPS:,} (got {reps_:,})")
    seed_ = seed if seed is not None else spec.seed if spec.seed is not None else base.seed
    if not 0 <= seed_ < 2**63:
        raise ScenarioError("--seed", "seed", "must be between 0 and 2**63 - 1")
    points = design_size(design_, len(swept), n_, second_)
    bp = batch_points if batch_points is not None else spec.batch_points
    if bp is not None and not 1 <= bp:
        raise ScenarioError("--batch-points", "batch_points", f"must be >= 1 (got {bp})")
    bp = bp or default_batch_points(reps_, points)
    if bp * reps_ > MAX_REPS:
        raise ScenarioError(src_of(batch_points, "--batch-points") or "--batch-points", "batch_points",
                            f"batch_points x reps must be at most {MAX_REPS:,}")
    return Sweep(scenario=base, params={k: v[0] for k, v in swept.items()}, design=design_, n=n_,
                 levels=levels_, second_order=second_, outputs=tuple(outs), reps=reps_, seed=seed_,
                 batch_points=bp, scenario_file=ssrc)
