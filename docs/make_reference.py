"""Write docs/reference.md, the reference of every field of the three input files, from their schema.

    python docs/make_reference.py

Each field's meaning is the docstring under it in the schema (``sim/scenario.py``,
``sim/conditions.py``, ``sim/fields.py``, ``sim/sweeps/file.py``, ``sim/estimates.py``); its
type, default and range come from the field's declaration (numeric scenario parameters take
their range from :func:`sim.domains.domain_of`).
A field without a docstring stops the script, naming it.  ``tests/test_reference_doc.py`` fails
when docs/reference.md differs from :func:`render`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.domains import domain_of
from sim.estimates import Estimates
from sim.fields import DATE_MAX, DATE_MIN, MAX_DAYS, MAX_SIZE, Delay
from sim.params import Param
from sim.scenario import Force, Opponent, Scenario, Tie
from sim.sweeps.file import SweepFile
from sim.sweeps.scalars import Output
from sim.when import When

OUT = Path(__file__).resolve().parent / "reference.md"


class UndocumentedField(RuntimeError):
    """A schema field has no docstring under it."""


class Row(NamedTuple):
    """One field: its path in the file, and what the reference says of it."""

    path: str
    depth: int  # 0 for a top-level field
    type: str
    default: str
    range: str
    meaning: str


# -- the examples -----------------------------------------------------------------------------

SCENARIO_EXAMPLE = """\
# from scenarios/kursk-baseline.yaml (shortened)
name: kursk-baseline
start: 2024-10-01
end: 2025-12-31
reps: 2000
seed: 20241206
units:
  - {name: wave-1, arrive: 2024-10-15, size: 3000}
  - {name: wave-2, arrive: 2024-11-01, size: {uniform: [7000, 9000]}}
initial_posture: training
phases:
  - {from: 2024-12-06, posture: combat}
  - {from: 2025-01-16, posture: withdrawn}
  - {from: 2025-02-07, posture: combat}
postures:
  training: {}
  withdrawn: {daily_rate: 0.0001}
  combat: {daily_rate: {triangular: [0.005, 0.0075, 0.011]}}
casualties: {killed: {uniform: [0.08, 0.2]}, missing: 0.005}
wounded:
  return_to_duty: {uniform: [0.2, 0.5]}
  recovery_days: {mean: 21, min: 7}
  died_of_wounds: 0.05
  died_of_wounds_days: 4      # fixed delays: days until death, or until evacuation home
  evacuation_days: 7
disease: {daily_rate: 0.0003, return_to_duty: 0.9, recovery_days: {mean: 10, min: 4}}
thresholds:
  combat_ineffective: {measure: effective, below: 0.5, of: peak_effective}
estimates: estimates/dprk-kursk.yaml
claims:
  - id: fdd-wiped-out-within-months
    says: Should losses continue at the pace implied by South Korea's mid-January count, the North
      Korean force would be destroyed in a matter of months unless more troops were sent.
    source: {who: FDD's Long War Journal (John Hardie), date: 2025-01-31, outlet: FDD's Long War Journal,
             file: 000_d5a8303e657b57dc.txt}
    holds_if: {threshold: combat_ineffective, within_days: 120, from: 2025-01-15}
"""

ROTATION_EXAMPLE = """\
# from scenarios/rotation-every-three-months.yaml: the contingent is relieved by a fresh one of
# 12,000 every 90 days from 6 March 2025, the replacement arriving the same day
rotations:
  - {unit: contingent, leave: 2025-03-06, lead_days: 0, every_days: 90, size: 12000}
"""

SWEEP_EXAMPLE = """\
# sweeps/kursk-sobol.yaml (from docs/sweeps.md)
params:
  postures.combat.daily_rate: "0.004:0.012"
  wounded.return_to_duty: [0.0, 0.6]
  casualties.killed: {uniform: [0.05, 0.3]}
design: sobol
n: 256
outputs:
  - median_day:combat_ineffective
  - {claim: fdd-wiped-out-within-months}                 # p_holds:...
  - {measure: effective, date: 2025-06-01, stat: q50}    # q50:effective@2025-06-01
  - {threshold: all_lost, by: 2025-06-01}                # p_cross:all_lost@2025-06-01
reps: 200
seed: 7
set: {wounded.died_of_wounds: 0.1}                       # fixed overrides of the scenario
"""

ESTIMATES_EXAMPLE = """\
# from scenarios/estimates/dprk-kursk.yaml (two of its figures)
case: dprk-kursk
default_relative_error: 0.25
estimates:
  - id: barhylevych-over-11000
    dates: [2024-11-24, 2024-12-09]
    kind: deployed
    value: 11000
    lower_bound: true
    says: Ukraine's armed forces chief of staff put the North Koreans sent to Kursk at more than
      11,000, some of whom had fought Ukrainian units on 24 November.
    who: Anatoliy Barhylevych, Chief of the General Staff of Ukraine's Armed Forces
    outlet: outlet not named in the source
    file: 003_0cda18591c23c8b6.txt
    note: The statement is undated in the article; it followed the 24 November engagements it
      mentions and preceded the article (about 9-10 December 2024).
  - id: fdd-10000-to-12000
    date: 2025-01-31
    kind: deployed
    low: 10000
    high: 12000
    says: Ukrainian, US and South Korean officials put the troops North Korea had sent to Russia at
      between 10,000 and 12,000, mostly special-operations soldiers from four brigades of the 11th
      ("Storm") Corps.
    who: Ukrainian, US and South Korean officials
    outlet: FDD's Long War Journal
    file: 000_d5a8303e657b57dc.txt
"""

#: (file key, model, example) of every example above, for the test that they are valid.
EXAMPLES = (
    ("scenario", Scenario, SCENARIO_EXAMPLE),
    ("sweep", SweepFile, SWEEP_EXAMPLE),
    ("estimates", Estimates, ESTIMATES_EXAMPLE),
)

INTRO = """\
# Input file reference

<!-- Generated by docs/make_reference.py from the schema; edit the docstrings there and run
     `python docs/make_reference.py`, never this file. -->

Three kinds of YAML file go in:

- a **scenario file** (`scenarios/*.yaml`): the force, its postures and losses, the thresholds
  and claims to test; read by `python simulate.py run`, `validate`, `claims`, `sweep` and
  `calibrate`;
- a **sweep file** (`sweep --file`): which assumptions a sensitivity sweep varies and what it
  measures (see [sweeps.md](sweeps.md));
- a **reported-estimates file** (`scenarios/estimates/*.yaml`, named by a scenario's
  `estimates`): dated figures from the sources, each with who gave it and where; read by
  `python simulate.py estimates` and `calibrate`, and drawn on the charts.

Each is checked when it is read: an unknown key is refused with the allowed ones, and any error
stops with one line naming the file, the line, the field and the rule.

## How to read the tables

- **Paths.** `wounded.recovery_days.mean` is the key `mean` inside `recovery_days` inside
  `wounded`. `units[].size` is `size` in each item of the list `units`;
  `postures.<name>.daily_rate` is `daily_rate` under each name in the mapping `postures`. On the
  command line (`run --set`, `sweep --param`) list items are named by their name or their index:
  `units.wave-2.size`, `rotations.0.size`, `policy.<name>.send`.
- **Type.** *number or distribution* is a number, or a distribution each replication draws its
  own value from: `{uniform: [low, high]}`, `{low: L, high: H}` (a reported range, read as
  uniform), `{triangular: [low, mode, high]}`, `{normal: [mean, sd]}` or
  `{lognormal: [median, sigma]}` (see the README's section on the model, under *Uncertainty*).
  In a scenario it may also be written `{derive: {figure: <id>, since: <date>, until: <date>,
  strength: <id or number>}}`: worked out from a figure of the scenario's estimates file (the
  figure itself; with `since`, a count a day; under `daily_rate`, with `strength`, a per-person
  rate), a uniform distribution when the figure is a range. A *delay* is `{mean: M, min: N}` in
  days, or a whole number `N` for a fixed delay of `N` days (`{mean: N, min: N}`). A *date* is
  written `YYYY-MM-DD`, from <<date_min>> to <<date_max>>. A *name* is 1 to 80 letters, digits,
  spaces or `_ . - /`.
- **Default.** *required* must be given (when the mapping holding it is given); *not set* means
  the field is absent unless given, with the effect the meaning states.
- **Range.** The values allowed, both ends included, and the unit. A distribution must keep to
  the range of its field: a fixed value, `uniform`, `low/high` or `triangular` that leaves it is
  refused when the file is read; a `normal` or `lognormal` one is truncated to it (its draws come
  exactly from the distribution conditioned on the range, never clipped), and refused when the
  range holds under 1% of its mass. Sweep ranges, calibration priors and posterior values keep to
  the same ranges.

## Examples

A scenario file:

```yaml
<<scenario>>```

A rotation:

```yaml
<<rotation>>```

A sweep file:

```yaml
<<sweep>>```

A reported-estimates file:

```yaml
<<estimates>>```
"""

#: (heading, model, what the file is) of each file, in the reference's order.
FILES = (
    (
        "The scenario file",
        Scenario,
        "One scenario: `python simulate.py run SCENARIO.yaml`. Complete files are in `scenarios/`.",
    ),
    (
        "The sweep file",
        SweepFile,
        "A sensitivity sweep: `python simulate.py sweep SCENARIO.yaml --file SWEEP.yaml`; options given "
        "on the command line win over the file. Every field is optional.",
    ),
    (
        "The reported-estimates file",
        Estimates,
        "Reported figures for one case, named by a scenario's `estimates`: "
        "`python simulate.py estimates FILE.yaml` lists them.",
    ),
)


# -- types ----------------------------------------------------------------------------------------


def _strip(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The annotation without ``Annotated`` and ``| None``: (type, metadata, optional)."""
    meta: list[Any] = []
    optional = False
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation, meta = args[0], [*meta, *args[1:]]
        elif origin in (Union, types.UnionType) and type(None) in args:
            rest = [a for a in args if a is not type(None)]
            optional = True
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
        else:
            return annotation, meta, optional


def _is_name(meta: list[Any]) -> bool:
    return any(getattr(m, "max_length", None) == 80 for m in _flat(meta))


def _flat(meta: list[Any]) -> list[Any]:
    """Metadata, with that of nested ``FieldInfo`` objects (``Annotated[str, Field(...)]``)."""
    out: list[Any] = []
    for m in meta:
        out.append(m)
        out.extend(getattr(m, "metadata", None) or [])
    return out


def _model(annotation: Any) -> type[BaseModel] | None:
    t, _, _ = _strip(annotation)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def _plural(words: str) -> str:
    """``policy`` -> ``policies``, ``number or distribution`` -> ``numbers or distributions``."""
    return " or ".join(w[:-1] + "ies" if w.endswith("y") else w + "s" for w in words.split(" or "))


def _item_words(annotation: Any, in_scenario: bool) -> str:
    """What one item of a list, or one value of a mapping, is."""
    model = _model(annotation)
    if model is not None:
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", model.__name__).lower()  # MassCasualty: mass casualty
    t = _strip(annotation)[0]
    if t is Output:
        return "output name or mapping"
    if t is Any:
        return "value"
    return type_words(annotation, in_scenario)


def type_words(annotation: Any, in_scenario: bool) -> str:
    """The field's type in plain words."""
    t, meta, _ = _strip(annotation)
    origin, args = get_origin(t), get_args(t)
    if t is Delay:
        return "delay"
    if t is Tie:
        return "multiple of another posture's rate (`{of: <posture>, times: <number or distribution>}`)"
    if isinstance(t, type) and issubclass(t, BaseModel):
        return "mapping"
    if t is Param:
        return "number or distribution" if in_scenario else "range or distribution"
    if t is dt.date:
        return "date"
    if t is When:
        return "date, distribution of dates, or days after an event"
    if origin in (Union, types.UnionType):
        return ", or ".join(type_words(a, in_scenario) for a in args)
    if t is str:
        return "name" if _is_name(meta) else "text"
    if t is bool:
        return "true or false"
    if t is int:
        return "whole number"
    if t is float:
        return "number"
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_plural(_item_words(args[0], in_scenario))}"
    if origin is dict:
        key = "names" if _is_name(list(get_args(args[0])[1:])) else "field paths"
        return f"mapping of {key} to {_plural(_item_words(args[1], in_scenario))}"
    if origin is tuple and len(args) == 2:
        if all(_strip(a)[0] is dt.date for a in args):
            return "pair of dates `[first, last]`"
        return f"pair of {_plural(type_words(args[0], in_scenario))} `[low, high]`"
    raise TypeError(f"make_reference.py has no words for the type {annotation!r}; add them to type_words")


# -- defaults and ranges -------------------------------------------------------------------------


def _number(x: float) -> str:
    if x == 2**63 - 1:
        return "2⁶³ - 1"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:g}"


def _yaml(value: Any) -> str:
    """A value in the file's syntax, on one line."""
    if isinstance(value, Param):
        value = value.to_yaml()
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value == "" else value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    raise TypeError(f"make_reference.py cannot write the default {value!r}")


def default_words(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "not set"
    if (
        isinstance(value, BaseModel)
        and all(not f.is_required() for f in type(value).model_fields.values())
        and value == type(value)()
    ):
        return "the defaults below"
    return f"`{_yaml(value)}`"


def _unit(name: str, low: float, high: float, in_delay: bool) -> str:
    """The unit of a number, from its field's name and range."""
    if name == "per_30_days":
        return "events per 30 days"
    if in_delay or name.endswith("days") or high == MAX_DAYS:
        return "days"
    if high == MAX_SIZE:
        return "people a day" if name == "per_day" else "people"
    if (low, high) == (0, 1):
        return "probability per person a day" if name.endswith("rate") else "share"
    return ""


def _bounds(meta: list[Any], integer: bool) -> tuple[float | None, float | None, bool]:
    """(low, high, low excluded) from ``ge``/``gt``/``le``/``lt`` constraints."""
    low = high = None
    low_open = False
    for m in _flat(meta):
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high = m.lt - 1 if integer else m.lt
    return low, high, low_open


def range_words(
    annotation: Any, field_meta: list[Any], name: str, parts: tuple[str, ...], in_scenario: bool, in_delay: bool
) -> str:
    """The values a field may take, with their unit."""
    t, meta, _ = _strip(annotation)
    meta = [*field_meta, *meta]
    origin = get_origin(t)
    if origin in (Union, types.UnionType):  # a number or something else: the number's range
        numbers = [a for a in get_args(t) if _strip(a)[0] is Param]
        if numbers:
            return range_words(numbers[0], field_meta, name, parts, in_scenario, in_delay)
    if t is Param and in_scenario:
        d = domain_of(".".join("x" if p == "*" else p for p in parts))
        unit = _unit(name, d.low, d.high, in_delay)
        return f"{_number(d.low)} to {_number(d.high)}" + (f" ({unit})" if unit else "")
    if t in (int, float):
        low, high, low_open = _bounds(meta, t is int)
        unit = _unit(name, low or 0, high or 0, in_delay)
        if low is not None and high is not None:
            text = f"above {_number(low)}, up to {_number(high)}" if low_open else f"{_number(low)} to {_number(high)}"
        elif low is not None:
            text = f"above {_number(low)}" if low_open else f"{_number(low)} or more"
        else:
            text = ""
        return f"{text} ({unit})" if text and unit else text or unit
    if origin in (list, dict) or t is str:
        lengths = [m.min_length for m in _flat(meta) if isinstance(m, at.MinLen) and m.min_length]
        if lengths and not (t is str and _is_name(meta)):
            return "not empty" if t is str else f"at least {lengths[0]}"
    return ""


# -- walking the schema --------------------------------------------------------------------------


def _describe(model: type[BaseModel], name: str, field: Any) -> str:
    if not field.description:
        raise UndocumentedField(
            f"{model.__name__}.{name} has no docstring: write what it means, in which "
            "unit, under the field in the schema"
        )
    return " ".join(field.description.split()).replace("|", "\\|")


def _children(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The model nested in a field (directly, as list items or as mapping values) and the path
    suffix that reaches it."""
    t, _, _ = _strip(annotation)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return t, ""
    origin, args = get_origin(t), get_args(t)
    if origin is list and _model(args[0]) is not None:
        return _model(args[0]), "[]"
    if origin is dict and _model(args[1]) is not None:
        return _model(args[1]), ".<name>"
    return None, ""


def walk(
    model: type[BaseModel], prefix: str = "", parts: tuple[str, ...] = (), depth: int = 0, in_scenario: bool = True
) -> Iterator[Row]:
    """Every field of ``model`` and of the models nested in it, parents before children; a model's
    own fields before those it inherits (a condition's ``measure`` before its comparisons); a side's
    fields in their place.  The opponent's fields but its name are written as the force's are, so
    only its name is listed."""
    own = model.model_fields if issubclass(model, Force) else inspect.get_annotations(model)
    fields = model.model_fields.items()
    if model is Opponent:
        fields = [(n, f) for n, f in fields if n in inspect.get_annotations(model)]
    for name, field in sorted(fields, key=lambda item: item[0] not in own):
        key = field.alias or name
        path = f"{prefix}{key}"
        annotation = field.rebuild_annotation()
        yield Row(
            path,
            depth,
            type_words(annotation, in_scenario),
            default_words(field),
            range_words(annotation, list(field.metadata), key, (*parts, key), in_scenario, model is Delay),
            _describe(model, name, field),
        )
        child, suffix = _children(annotation)
        if child is not None:
            more = ("*",) if suffix else ()
            yield from walk(child, f"{path}{suffix}.", (*parts, key, *more), depth + 1, in_scenario)


def models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """``root`` and every model nested in it."""
    found = [root]
    for field in root.model_fields.values():
        child, _ = _children(field.rebuild_annotation())
        if child is not None:
            found += [m for m in models(child) if m not in found]
    return found


# -- the document ---------------------------------------------------------------------------------


def _table(rows: list[Row]) -> list[str]:
    out = ["| field | type | default | range, unit | meaning |", "|---|---|---|---|---|"]
    out += [f"| `{r.path}` | {r.type} | {r.default} | {r.range} | {r.meaning} |" for r in rows]
    return out


def render() -> str:
    """The whole of docs/reference.md."""
    text = INTRO
    for key, value in (
        ("scenario", SCENARIO_EXAMPLE),
        ("rotation", ROTATION_EXAMPLE),
        ("sweep", SWEEP_EXAMPLE),
        ("estimates", ESTIMATES_EXAMPLE),
        ("date_min", str(DATE_MIN)),
        ("date_max", str(DATE_MAX)),
    ):
        text = text.replace(f"<<{key}>>", value)
    lines = [text.rstrip("\n")]
    for heading, model, what in FILES:
        rows = list(walk(model, in_scenario=model is Scenario))
        lines += ["", f"## {heading}", "", what, "", "### Top level", ""]
        lines += _table([r for r in rows if r.depth == 0])
        for top in (r for r in rows if r.depth == 0):
            nested = [r for r in rows if r.depth > 0 and r.path.startswith((f"{top.path}.", f"{top.path}["))]
            if nested:
                lines += ["", f"### {top.path}", "", top.meaning, ""]
                lines += _table(nested)
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
