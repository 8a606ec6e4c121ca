"""The package's shape: modules import downward only (no cycles, imports inside functions
counted), the command line imports its commands lazily, and ``import sim`` and
``simulate.py --help`` stay light."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "sim"
HEAVY = ("pandas", "matplotlib", "pydantic")
#: A command in the command group's lazy table: ``"sim.cli_run:run"``.
LAZY_TARGET = re.compile(r"^(sim(?:\.\w+)+):\w+$")


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Nodes inside ``if TYPE_CHECKING:`` blocks (imports for annotations, never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skip |= {id(x) for b in node.body for x in ast.walk(b)}
    return skip


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports: at any level (inside functions too),
    relative or absolute, ``from . import x`` as the submodule ``x``, ``importlib.import_module``
    of a literal name, and ``"module:function"`` references such as the lazy command table."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                target = arg.value
                if target.startswith("."):
                    target = package + target
                found.add(target)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = LAZY_TARGET.match(node.value)
            if match:
                found.add(match.group(1))
    return {t for t in found if t in known and t != name}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets (a package and its own modules aside)."""
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if m.startswith(t + ".") or t.startswith(m + "."):
                continue
            if state.get(t) == 1:
                found.append([*stack[stack.index(t) :], t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_the_cycle_finder_sees_imports_at_every_level(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    known = {
        "sim": PACKAGE / "__init__.py",
        "sim.x": PACKAGE / "x.py",
        "sim.y": PACKAGE / "y.py",
        "sim.sub": PACKAGE / "sub" / "__init__.py",
        "sim.sub.z": PACKAGE / "sub" / "z.py",
    }
    src = tmp_path / "z.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .. import x\n"
        "if TYPE_CHECKING:\n    from sim import y\n"
        "def f():\n    import sim.y\n"
        "LAZY = {'c': 'sim.x:main'}\n",
        encoding="utf-8",
    )
    assert imports_of("sim.sub.z", src, known) == {"sim.x", "sim.y"}


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_only_the_entry_point_imports_the_command_group():
    importers = sorted(m for m, targets in import_graph().items() if "sim.cli" in targets)
    assert importers == []


def test_the_command_group_names_every_command_module():
    from sim.cli import LAZY_COMMANDS

    named = {target.partition(":")[0] for target, _ in LAZY_COMMANDS.values()}
    assert named == {m for m in modules() if m.startswith("sim.cli_") and m != "sim.cli_common"}


def test_the_command_list_shows_each_commands_own_help():
    import click

    from sim.cli import LAZY_COMMANDS, main

    ctx = click.Context(main)
    for name, (_, help_text) in LAZY_COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(10_000) == help_text, name


def loaded_after(code: str, *args: str) -> set[str]:
    """Top-level names of the modules loaded once ``code`` has run in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    p = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    return set(json.loads(p.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["sim.cli_run", "sim.cli_claims", "sim.cli_sweep", "sim.cli_calibrate"])
def test_each_command_module_imports_on_its_own(module):
    p = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert p.returncode == 0, p.stderr


def test_import_sim_is_light():
    assert not loaded_after("import sim") & set(HEAVY)


def test_help_is_light():
    code = (
        "import contextlib, io, runpy, sys\n"
        "sys.argv = ['simulate.py', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    runpy.run_path('simulate.py', run_name='__main__')"
    )
    loaded = loaded_after(code)
    assert "sim" in loaded
    assert not loaded & set(HEAVY)


def test_help_lists_every_command():
    p = subprocess.run(
        [sys.executable, str(ROOT / "simulate.py"), "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert p.returncode == 0, p.stderr
    listed = p.stdout.split("Commands:")[1].split()
    for name in ("calibrate", "claims", "estimates", "run", "sweep", "validate"):
        assert name in listed
