"""Reading YAML files: safe loading, line numbers for field paths, one-line errors, and
``path=value`` overrides.  Shared by scenario, estimates and sweep files."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class ScenarioError(ValueError):
    """Bad input; ``str()`` is a one-line message naming file, field and rule."""

    def __init__(self, source: str, field: str, rule: str, line: int | None = None):
        self.source, self.field, self.rule, self.line = source, field, rule, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {field}: {rule}" if field else f"{where}: {rule}")


class Loader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 booleans: only true/false are booleans, so a key such as
    ``on:`` (a claim tested on a date) stays a string instead of becoming ``True``."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                             list("tTfF"))


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with :class:`Loader`."""
    return yaml.load(text, Loader=Loader)  # Loader is a SafeLoader


def _line_map(text: str) -> dict[tuple[str, ...], int]:
    """Map field paths to 1-based line numbers, from the YAML node tree."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = str(k.value)
                lines[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, str(i)))

    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def read_yaml(path: str | Path, what: str = "scenario") -> tuple[Any, dict[tuple[str, ...], int]]:
    """Read a YAML file safely; any failure is a one-line :class:`ScenarioError`."""
    src = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError(src, "", f"no such {what} file")
    if p.is_dir():
        raise ScenarioError(src, "", f"is a directory, not {_article(what)} {what} file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(src, "", "is not UTF-8 text") from None
    except OSError as exc:
        raise ScenarioError(src, "", f"cannot be read ({exc.strerror})") from None
    try:
        data = load_yaml_text(text)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = str(exc.problem).split("'")[1] if "'" in str(exc.problem) else "?"
        raise ScenarioError(src, "", f"tag {tag} is not allowed (plain YAML data only)", line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "malformed"
        raise ScenarioError(src, "", f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    if data is None:
        raise ScenarioError(src, "", f"the {what} file is empty")
    if not isinstance(data, dict):
        raise ScenarioError(src, "", f"the top level must be a mapping of keys, not {type(data).__name__}")
    return data, _line_map(text)


def _format_loc(loc: tuple[Any, ...]) -> tuple[str, ...]:
    out = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or part in ("tagged-union",)):
            continue
        out.append(str(part))
    return tuple(out)


def validation_error(src: str, exc: ValidationError, lines: dict[tuple[str, ...], int]) -> ScenarioError:
    """Turn pydantic's errors into one line: the first error, and how many more there are."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _format_loc(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        msg = "is required"
    elif "input" in first and first["type"] not in ("value_error",) and not isinstance(first["input"], dict | list):
        msg += f" (got {first['input']!r})"
    more = len(errors) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    line = None
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    return ScenarioError(src, ".".join(loc), msg, line)


def apply_overrides(data: dict[str, Any], overrides: list[str] | tuple[str, ...], src: str) -> dict[str, Any]:
    """Apply ``path=value`` overrides (``value`` read as YAML) to raw scenario data.

    Path parts are mapping keys, list indices, or the ``name`` of an item in a list.
    """
    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(src, item, "an override is path=value", None)
        path, raw = item.split("=", 1)
        try:
            value = load_yaml_text(raw)
        except yaml.YAMLError:
            raise ScenarioError(src, path, f"override value {raw!r} is not valid YAML") from None
        set_path(data, path, value, src)
    return data


def set_path(data: Any, path: str, value: Any, src: str = "--set") -> None:
    """Set ``value`` at a dotted ``path`` inside nested dicts and lists (creating dict keys)."""
    parts = [p for p in path.strip().split(".") if p]
    if not parts:
        raise ScenarioError(src, path, "empty override path")
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part)
            if idx is None:
                raise ScenarioError(src, path, f"no item {part!r} in that list (an index or a name)")
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise ScenarioError(src, path, f"{'.'.join(parts[:i])} holds a value, not a section")


def _list_index(items: list[Any], part: str) -> int | None:
    if part.lstrip("-").isdigit():
        idx = int(part)
        return idx if -len(items) <= idx < len(items) else None
    for idx, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return idx
    return None
