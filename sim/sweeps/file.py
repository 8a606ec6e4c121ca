"""The sweep file, and swept parameters given as text (``--param PATH=RANGE``).

A sweep file (YAML; unknown keys refused)::

    params:                                   # scenario parameters by field path
      wounded.return_to_duty: "0.0:0.6"       # a range low:high (or [low, high])
      postures.combat.daily_rate: {uniform: [0.004, 0.012]}   # or any distribution
    design: sobol                             # grid, oat, lhs, morris or sobol
    n: 64                                     # the design's size (see sim.sweeps.designs)
    levels: 4                                 # Morris grid levels
    second_order: false                       # Sobol second-order indices
    outputs:                                  # scalar outputs per point (see sim.sweeps.scalars)
      - median_day:combat_ineffective
      - {claim: fdd-wiped-out-within-months}
      - {measure: effective, date: 2025-06-01, stat: q50}
    reps: 200                                 # replications per point, averaged
    seed: 7                                   # the sweep's seed [default: the scenario's]
    batch_points: 25                          # points per engine run (part of the seed's meaning)
    set: {wounded.died_of_wounds: 0.1}        # fixed overrides of the scenario

A swept parameter is a range ``low:high`` (read as uniform), a list ``[low, high]``, or any
distribution of :mod:`sim.params`.  The checks against a scenario are in
:func:`sim.sweeps.spec.make_sweep`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationError

from ..errors import InputError
from ..fields import MAX_REPS, Strict
from ..params import Param, ParamError
from ..yamlfile import YamlRefused, load_yaml_text, read_yaml, validation_error, yaml_error
from .designs import DESIGNS
from .scalars import Output, OutputSpecError, parse_output

_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")
#: The name of a registered design.
DesignName = Literal[tuple(DESIGNS)]


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
    except OutputSpecError as exc:
        raise ValueError(str(exc)) from None


class SweepFile(Strict):
    """The sweep file's schema (see the module's notes)."""

    params: dict[str, SweptParam] = Field(default_factory=dict)
    """The swept parameters, each a numeric scenario parameter by its field path (the path of
    `run --set`: `postures.combat.daily_rate`, `units.wave-2.size`), with its range: `"low:high"` or
    `[low, high]` (uniform), or a distribution. A range must lie within the field's own range;
    `--param` adds parameters or replaces the file's."""
    design: DesignName | None = None
    """The design: `grid`, `oat` (one at a time), `lhs` (Latin hypercube), `morris` or `sobol`.
    Absent: `oat`."""
    n: int | None = Field(None, ge=1)
    """The design's size: levels per parameter (`grid`, `oat`), points (`lhs`), trajectories
    (`morris`) or base samples, a power of 2 (`sobol`). Absent: 5, 2, 100, 10 and 64 in that
    order."""
    levels: int | None = Field(None, ge=2, le=1000)
    """Grid levels of a `morris` design. Absent: 4."""
    second_order: bool | None = None
    """Also Sobol second-order indices (`sobol` only; n × (2k + 2) points instead of n × (k + 2)
    for k parameters). Absent: false."""
    outputs: list[Annotated[Output, BeforeValidator(_output)]] = Field(default_factory=list)
    """The scalar outputs measured at each point, by name (`median_day:<threshold>`,
    `p_cross:<threshold>` or `p_cross:<threshold>@<date>`, `p_holds:<claim>`, `mean:<measure>@<date>`,
    `q50:<measure>@<date>`) or as a mapping (`{threshold: <name>}`, `{threshold: <name>, by: <date>}`,
    `{claim: <id>}`, `{measure: <name>, date: <date>, stat: mean or q<percent>}`). Absent: every
    threshold's `median_day` and every claim's `p_holds` (the mean effective strength on the last
    day when there are neither)."""
    reps: int | None = Field(None, ge=1, le=MAX_REPS)
    """Replications at each point; its outputs average over them. Absent: 200."""
    seed: int | None = Field(None, ge=0, lt=2**63)
    """The sweep's seed. Absent: the scenario's."""
    batch_points: int | None = Field(None, ge=1, le=1_000_000)
    """Points per engine run (`batch_points × reps` at most 1,000,000); with `reps` and `seed` it
    decides the random numbers. Absent: about 5,000 replications a run, down to 1,000 so that a small
    sweep still makes several runs."""
    set_: dict[str, Any] = Field({}, alias="set")
    """Fixed changes to the scenario, `path: value` as `run --set` takes them, made before
    `--set`."""


def read_sweep_file(path: str | Path) -> tuple[SweepFile, dict]:
    """Read and check a sweep file's schema; returns it and its line map."""
    data, lines = read_yaml(path, what="sweep")
    try:
        return SweepFile.model_validate(data), lines
    except ValidationError as exc:
        raise validation_error(str(path), exc, lines) from None


def parse_param_option(item: str) -> tuple[str, Param]:
    """Read ``--param PATH=RANGE`` (``low:high`` or a YAML distribution)."""
    if "=" not in item:
        raise InputError("--param", item, "a swept parameter is PATH=low:high or PATH={uniform: [a, b]}")
    path, raw = (s.strip() for s in item.split("=", 1))
    if not path:
        raise InputError("--param", item, "empty parameter path")
    try:
        value = raw if _RANGE.match(raw) else load_yaml_text(raw)
    except YamlRefused as exc:
        raise yaml_error("--param", exc, path, marks=False) from None
    except yaml.YAMLError:
        raise InputError("--param", path, f"{raw!r} is not valid YAML") from None
    try:
        return path, parse_range(value)
    except ValueError as exc:
        raise InputError("--param", path, str(exc)) from None
