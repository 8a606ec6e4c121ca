"""The swept ranges, checked against the scenario: each a numeric parameter of it, on its
field's domain, and all of them together making a valid scenario.

A swept parameter follows the domain rule of :mod:`sim.params` (a range must lie in the field's
domain; a normal or lognormal is truncated to it).  Every combination of the swept values must
make a valid scenario: the sweep is refused at set-up when the corners of the swept ranges
break a rule across fields (``casualties.killed`` and ``casualties.missing`` summing past 1,
say), naming the parameters.  This is checked on the ranges, not on the design's points, so
whether a sweep is accepted does not depend on the design, its size or its seed, and every
design covers the whole box of ranges, as the sensitivity analyses assume.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..domains import domain_of
from ..errors import InputError
from ..overrides import set_path
from ..params import Param, ParamError
from ..plan import compile_plan
from ..rules import from_data
from ..scenario import Scenario
from ..when import DAY_KEYS, days_as_dates
from .designs.scale import quantile

#: A swept parameter and where it was given: ``(parameter, source, field, line)``.
Swept = tuple[Param, str, str, int | None]


def check_ranges(base: Scenario, swept: dict[str, Swept]) -> None:
    """Refuse a swept parameter that is not a numeric parameter of ``base``, leaves its domain,
    or breaks the scenario's rules, alone or together with the others.

    Raises
    ------
    InputError
        Naming the source, the parameter (or the pair at fault) and the rule.
    """
    known = compile_plan(base).params
    boxes = {}
    for path, (p, src, field, line) in swept.items():
        if path not in known:
            raise InputError(
                src,
                field,
                f"not a numeric parameter of scenario {base.name!r}; known: {', '.join(sorted(known))}",
                line,
            )
        boxes[path] = _box(p, path, src, field, line)
        exc = _trial(base, {path: boxes[path]}, src)
        if exc is not None:
            rule = exc.rule if exc.field in (path, "") else f"{exc.field}: {exc.rule}"
            raise InputError(src, field, rule, line)
    _check_together(base, boxes, swept)


def _box(p: Param, path: str, src: str, field: str, line: int | None) -> Param:
    """The range a swept parameter's points span, as a uniform; refused off its domain."""
    low, high, _ = domain_of(path)
    try:
        p.check_domain(low, high)
    except ParamError as exc:
        raise InputError(src, field, str(exc), line) from None
    lo, hi = quantile(p, np.array([0.0, 1.0]), low, high)
    return Param("uniform", (float(lo), float(hi)))


def _trial(base: Scenario, boxes: dict[str, Param], src: str) -> InputError | None:
    """The error of the scenario with these parameters set to these ranges (None: valid)."""
    trial = base.dump()
    for path, box in boxes.items():
        value = days_as_dates(box, base.start) if path.rsplit(".", 1)[-1] in DAY_KEYS else box.to_yaml()
        set_path(trial, path, value, src, Scenario)
    try:
        from_data(trial, src)
    except InputError as exc:
        return exc
    return None


def _check_together(base: Scenario, boxes: dict[str, Param], swept: dict[str, Swept]) -> None:
    """Refuse swept ranges that pass one by one but not together, naming the first pair at
    fault (or all of them when no pair alone is)."""
    src = next(iter(swept.values()))[1]
    exc = _trial(base, boxes, src)
    if exc is None:
        return
    culprits = list(boxes)
    for pair in itertools.combinations(boxes, 2):
        pair_exc = _trial(base, {k: boxes[k] for k in pair}, src)
        if pair_exc is not None:
            culprits, exc = list(pair), pair_exc
            break
    _, src, _, line = swept[culprits[0]]
    rule = f"{exc.field}: {exc.rule}" if exc.field else exc.rule
    raise InputError(
        src,
        ", ".join(culprits),
        f"their ranges together break {rule}; every combination of swept values must make a valid scenario",
        line,
    )
