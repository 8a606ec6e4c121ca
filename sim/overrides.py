"""``path=value`` overrides of a file's raw data (``run --set``, a sweep file's ``set``).

A path names mapping keys, list indices, or the ``name`` of an item in a list
(``units.wave-2.size``, ``postures.combat.daily_rate``).  Given the file's schema, a path may
create a field a section leaves out but never a new name in a mapping of named things, so a
misspelt name is refused instead of being set and never used.
"""

from __future__ import annotations

import copy
import types
import typing
from typing import Annotated, Any

import yaml
from pydantic import BaseModel

from .errors import InputError
from .yamlfile import YamlRefused, load_yaml_text, yaml_error


def apply_overrides(
    data: dict[str, Any], overrides: list[str] | tuple[str, ...], src: str, schema: type[BaseModel] | None = None
) -> dict[str, Any]:
    """Apply ``path=value`` overrides (``value`` read as YAML) to raw scenario data.

    Path parts are mapping keys, list indices, or the ``name`` of an item in a list; see
    :func:`set_path` for which keys may be created.
    """
    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise InputError(src, item, "an override is path=value", None)
        path, raw = item.split("=", 1)
        try:
            value = load_yaml_text(raw)
        except YamlRefused as exc:
            raise yaml_error(src, exc, path.strip(), marks=False) from None
        except yaml.YAMLError:
            raise InputError(src, path, f"override value {raw!r} is not valid YAML") from None
        set_path(data, path, value, src, schema)
    return data


def set_path(data: Any, path: str, value: Any, src: str = "--set", schema: type[BaseModel] | None = None) -> None:
    """Set ``value`` at a dotted ``path`` inside nested dicts and lists.

    A missing key is created only where ``schema`` (the file's model, such as
    :class:`sim.scenario.Scenario`) does not name its keys itself: a field of a section
    (``wounded.return_to_duty`` when the file leaves ``wounded`` out) may be created, a new
    entry in a mapping of named things (a posture, a threshold) may not, since a misspelt name
    would be set and never used.  Without a schema every missing key is created.
    """
    parts = [p for p in path.strip().split(".") if p]
    if not parts:
        raise InputError(src, path, "empty override path")
    node, tp = data, schema
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part)
            if idx is None:
                raise InputError(src, path, f"no item {part!r} in that list (an index or a name)")
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if part not in node and _names_its_keys(tp):
                what = parts[i - 1].removesuffix("s") if i else "key"
                known = ", ".join(map(str, node)) or "none defined"
                raise InputError(src, path, f"no {what} named {part!r} (known: {known})")
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise InputError(src, path, f"{'.'.join(parts[:i])} holds a value, not a section")
        tp = _child_type(tp, part)


def _list_index(items: list[Any], part: str) -> int | None:
    if part.lstrip("-").isdigit():
        idx = int(part)
        return idx if -len(items) <= idx < len(items) else None
    for idx, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return idx
    return None


def _unwrap(tp: Any) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None``; None when there is no single one."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return None
            tp = args[0]
        else:
            return tp


def _names_its_keys(tp: Any) -> bool:
    """Whether a schema type is a mapping whose keys the file chooses (``dict[Name, ...]``)."""
    return typing.get_origin(_unwrap(tp)) is dict


def _child_type(tp: Any, part: str) -> Any:
    """The schema type at ``part`` below ``tp`` (None when the schema does not say)."""
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = {f.alias or n: f.annotation for n, f in tp.model_fields.items()}
        return fields.get(part)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args:
        return args[0]
    return None
