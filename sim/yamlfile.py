"""Reading YAML files: bounded reading, safe loading, line numbers for field paths, one-line
errors.  Shared by scenario, estimates and sweep files (``path=value`` overrides are in
:mod:`sim.overrides`).

Every input is bounded before it is trusted: a file is read up to
:data:`sim.textfile.MAX_FILE_BYTES` (devices and pipes refused), a document may expand to at
most :data:`MAX_NODES` values once its aliases are followed and nest at most :data:`MAX_DEPTH`
levels, a key may appear once in a mapping, and a value the loader cannot build (an
impossible date such as ``2025-02-30``) is refused with its field path and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InputError
from .textfile import read_text

if TYPE_CHECKING:
    from pydantic import ValidationError

#: Most values a document may hold once its aliases are expanded (a few thousand is a big file).
MAX_NODES = 100_000
#: Deepest nesting of mappings and lists (a scenario nests about six levels).
MAX_DEPTH = 50

FieldPath = tuple[str, ...]
LineMap = dict[FieldPath, int]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class YamlRefused(yaml.YAMLError):
    """Text that parses as YAML but is refused (a duplicate key, an alias bomb, an impossible
    date); ``field`` is the dotted path inside the document, ``line`` 1-based or None."""

    def __init__(self, field: str, rule: str, line: int | None = None):
        self.field, self.rule, self.line = field, rule, line
        super().__init__(f"{field}: {rule}" if field else rule)


class Loader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 booleans: only true/false are booleans, so a key such as
    ``on:`` (a claim tested on a date) stays a string instead of becoming ``True``.

    A value that cannot be built is a :class:`YamlRefused` naming its field path (``paths``
    maps nodes to paths; :func:`parse_yaml` fills it before building).
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self.paths: dict[int, FieldPath] = {}
        self.composed = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # Counted while composing, so a file of a million small values is refused before the
        # node tree takes the memory; aliases are counted once here, expanded in _inspect.
        self.composed += 1
        if self.composed > MAX_NODES:
            line = self.peek_event().start_mark.line + 1
            raise YamlRefused("", f"holds more than {MAX_NODES:,} values", line)
        return super().compose_node(parent, index)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            field = ".".join(self.paths.get(id(node), ()))
            raise YamlRefused(field, _unbuildable(node, exc), node.start_mark.line + 1) from None


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _unbuildable(node: yaml.Node, exc: Exception) -> str:
    value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else node.tag
    if node.tag == _TIMESTAMP_TAG:
        return f"{value} is not a date ({exc}); write dates as YYYY-MM-DD"
    return f"cannot read {value!r} ({str(exc).split(';')[0]})"


# -- parsing ------------------------------------------------------------------------------------


def parse_yaml(text: str) -> tuple[Any, LineMap]:
    """Parse YAML text with :class:`Loader` into plain data and its line map.

    Returns
    -------
    data : Any
        A tree of dicts, lists and scalars (aliases copied, so no two places share an object);
        None for an empty document.
    lines : dict
        Field path (a tuple of keys and list indices, as strings) -> 1-based line.

    Raises
    ------
    yaml.YAMLError
        Malformed YAML, or :class:`YamlRefused` for a document refused by the bounds above.
    """
    loader = Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise YamlRefused("", f"nested too deeply (at most {MAX_DEPTH} levels)") from None
        if root is None:
            return None, {}
        lines = _inspect(root, loader.paths)
        return _tree(loader.construct_document(root)), lines
    finally:
        loader.dispose()


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with :class:`Loader` (see :func:`parse_yaml`)."""
    return parse_yaml(text)[0]


def _inspect(root: yaml.Node, paths: dict[int, FieldPath]) -> LineMap:
    """Check the node graph (loops, size after alias expansion, depth, duplicate keys) and map
    field paths to lines.  A node reached again through an alias is counted, not walked again,
    so the work is linear in the text whatever the expansion."""
    lines: LineMap = {}
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def refuse(path: FieldPath, rule: str, node: yaml.Node) -> YamlRefused:
        return YamlRefused(".".join(path), rule, node.start_mark.line + 1)

    def walk(node: yaml.Node, path: FieldPath, depth: int) -> int:
        key = id(node)
        if key in active:
            raise refuse(path, "an alias refers to a node that contains it (a loop)", node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise refuse(path, f"nested too deeply (at most {MAX_DEPTH} levels)", node)
        paths[key] = path
        lines.setdefault(path, node.start_mark.line + 1)
        active.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += walk_mapping(node, path, depth)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(walk(v, (*path, str(i)), depth + 1) for i, v in enumerate(node.value))
        active.discard(key)
        if size > MAX_NODES:
            raise refuse(path, f"holds more than {MAX_NODES:,} values once its aliases are expanded", node)
        sizes[key] = size
        return size

    def walk_mapping(node: yaml.MappingNode, path: FieldPath, depth: int) -> int:
        size, seen = 0, {}
        for k, v in node.value:
            if k.tag == _MERGE_TAG:
                size += walk(v, path, depth + 1)
                continue
            if isinstance(k, yaml.ScalarNode):
                name, line = str(k.value), k.start_mark.line + 1
                if (k.tag, k.value) in seen:
                    first = seen[k.tag, k.value]
                    where = f" (first on line {first})" if first != line else ""
                    raise refuse(path, f"key {name!r} appears twice{where}", k)
                seen[k.tag, k.value] = line
                lines[(*path, name)] = line
                size += 1
            else:
                name = "?"
                size += walk(k, (*path, name), depth + 1)
            size += walk(v, (*path, name), depth + 1)
        return size

    walk(root, (), 0)
    return lines


def _tree(data: Any) -> Any:
    """A copy in which no two places share an object (an alias becomes its own copy), so an
    override at one place does not change another.  The data is bounded by :func:`_inspect`."""
    if isinstance(data, dict):
        return {k: _tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_tree(v) for v in data]
    return data


def yaml_error(src: str, exc: yaml.YAMLError, field: str = "", marks: bool = True) -> InputError:
    """A YAML error as one line.

    Parameters
    ----------
    src : str
        The file (or option) the text came from.
    exc : yaml.YAMLError
        The error.
    field : str
        A field path the text stands under (an override's path), prefixed to the error's.
    marks : bool
        Whether line numbers refer to ``src`` (False for text given on the command line).
    """
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if marks and mark is not None else None
    if isinstance(exc, YamlRefused):
        where = ".".join(p for p in (field, exc.field) if p)
        return InputError(src, where, exc.rule, exc.line if marks else None)
    problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0] or "malformed")
    if isinstance(exc, yaml.constructor.ConstructorError) and problem.startswith("could not determine"):
        tag = problem.split("'")[1] if "'" in problem else "?"
        return InputError(src, field, f"tag {tag} is not allowed (plain YAML data only)", line)
    if problem == "mapping values are not allowed here":
        problem += "; a value with ': ' in it must be quoted (write description: \"Kursk: the baseline\")"
    return InputError(src, field, f"not valid YAML: {problem}", line)


# -- files -------------------------------------------------------------------------------------


def read_yaml(path: str | Path, what: str = "scenario") -> tuple[Any, LineMap]:
    """Read a YAML file safely; any failure is a one-line :class:`InputError`.

    Returns the data (a mapping at the top level) and its line map (see :func:`parse_yaml`).
    """
    src = str(path)
    text = read_text(path, what)
    try:
        data, lines = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise yaml_error(src, exc) from None
    if data is None:
        raise InputError(src, "", f"the {what} file is empty")
    if not isinstance(data, dict):
        raise InputError(src, "", f"the top level must be a mapping of keys, not {type(data).__name__}")
    return data, lines


def line_of(lines: LineMap, *parts: str) -> int | None:
    """The line of the deepest known prefix of a field path (None: unknown)."""
    return next((lines[parts[:n]] for n in range(len(parts), -1, -1) if parts[:n] in lines), None)


# -- validation errors --------------------------------------------------------------------------


def _format_loc(loc: tuple[Any, ...]) -> tuple[str, ...]:
    out = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or part in ("tagged-union",)):
            continue
        out.append(str(part))
    return tuple(out)


def validation_error(src: str, exc: ValidationError, lines: LineMap) -> InputError:
    """Turn pydantic's errors into one line: the first error, and how many more there are."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _format_loc(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        msg = "is required"
    elif first["type"].startswith("date_"):
        reason = msg.split(", ", 1)[1] if ", " in msg else ""
        msg = "must be a date written YYYY-MM-DD" + (f" ({reason})" if reason else "")
    if (
        "input" in first
        and first["type"] not in ("value_error", "missing")
        and not isinstance(first["input"], dict | list)
    ):
        msg += f" (got {first['input']!r})"
    more = len(errors) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    line = line_of(lines, *loc)
    unknown = re.match(r"unknown key '([^']+)'", msg)
    if unknown:  # the unknown key's own line, where the file has it
        line = line_of(lines, *loc, unknown.group(1)) or line
    return InputError(src, ".".join(loc), msg, line)
