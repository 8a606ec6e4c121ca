"""Loading a scenario: the one way from a file (or a scenario in hand) to a validated
:class:`~sim.scenario.Scenario`.

Every caller goes through :func:`load_scenario`: ``run``, ``validate`` and ``claims`` on the
command line, sweeps (with their file's ``set``), calibration and the library.  The steps, in
order: read the YAML file (:mod:`sim.yamlfile`), set the given values, apply the ``--set``
overrides (:mod:`sim.overrides`), work out the ``{derive: ...}`` numbers from the scenario's
estimates file (:mod:`sim.derive`), and validate field by field (:mod:`sim.scenario`) and
across fields (:mod:`sim.rules`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .derive import resolve_derivations
from .errors import InputError
from .overrides import apply_overrides, set_path
from .rules import from_data
from .scenario import Scenario
from .yamlfile import read_yaml


def load_scenario(
    source: str | Path | Scenario,
    overrides: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
    values_src: str = "",
    overrides_src: str | None = None,
) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path or Scenario
        The YAML file, or a scenario already loaded (to change it with ``values`` and
        ``overrides``; it holds no derivations any more).
    overrides : list of str
        ``path=value`` strings applied before validation (``postures.combat.per_day=120``).
    values : mapping, optional
        ``field path -> value`` set before the overrides (a sweep file's ``set``).
    values_src : str
        What errors in ``values`` name (the sweep file).
    overrides_src : str, optional
        What errors in ``overrides`` name [default: the scenario file].

    Returns
    -------
    Scenario

    Numbers written as ``{derive: {...}}`` are worked out from the scenario's reported
    estimates after the values and overrides (see :mod:`sim.derive`).

    Raises
    ------
    InputError
        With a one-line message naming the file (or option), the field and the rule.
    """
    if isinstance(source, Scenario):
        data, src, lines = source.dump(), f"<scenario {source.name}>", {}
    else:
        src = str(source)
        data, lines = read_yaml(source)
    for path, value in (values or {}).items():
        set_path(data, path, value, values_src, Scenario)
    before = copy.deepcopy(data)
    if overrides:
        data = apply_overrides(data, overrides, src if overrides_src is None else overrides_src, Scenario)
    if not isinstance(source, Scenario):
        data = resolve_derivations(data, source, lines)
    try:
        return from_data(data, src, lines)
    except InputError as exc:
        if not overrides or not _valid(before, source, src, lines):
            raise
        # The file is valid without the --set values: the fault is the option's, not a line's.
        raise InputError("--set" if overrides_src is None else overrides_src, exc.field, exc.rule) from None


def _valid(data: dict, source, src: str, lines: dict) -> bool:
    """Whether the scenario's data, before any override, validate."""
    try:
        if not isinstance(source, Scenario):
            data = resolve_derivations(data, source, lines)
        from_data(data, src, lines)
    except InputError:
        return False
    return True
