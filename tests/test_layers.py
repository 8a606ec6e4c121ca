"""The package's layers import only downward (see docs/architecture.md).

Every module of ``sim`` is placed in one layer here; a new module must be placed too (the test
fails on a module it does not know), and an import of a higher layer fails, wherever it stands.
Imports inside functions are allowed only where listed in ``UPWARD_CALLS``, with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"

LAYERS = [
    (
        "base",
        {
            "errors",
            "rates",
            "stdnormal",
            "streams",
            "parallel",
            "textfile",
            "atomic",
            "marker",
            "folders",
            "chartstyle",
        },
    ),
    (
        "inputs",
        {
            "yamlfile",
            "overrides",
            "fields",
            "params",
            "distributions",
            "when",
            "domains",
            "conditions",
            "scenario",
            "rules",
            "estimates",
            "derive",
            "loading",
        },
    ),
    ("model", {"plan", "laws", "care", "draws", "samplers", "schedule", "kernel", "engine", "measures", "reference"}),
    ("run", {"runner", "results", "claims", "posterior"}),
    ("analyses", {"sweeps", "calibration", "decision", "scoring"}),
    ("report", {"charts", "outputs", "runs_data", "report_html"}),
    (
        "cli",
        {
            "cli",
            "cli_common",
            "cli_run",
            "cli_claims",
            "cli_sweep",
            "cli_calibrate",
            "cli_decide",
            "cli_compare",
            "cli_score",
        },
    ),
]
RANK = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}

#: (importing module, imported module): why an upward import inside a function is right.
UPWARD_CALLS = {
    ("results", "charts"): "Result.plot draws with matplotlib, which using the frames never loads",
    ("results", "outputs"): "Result.save writes files, a report-layer task offered on the result",
    ("calibration", "charts"): "Calibration.plot, as Result.plot",
    ("calibration", "outputs"): "Calibration.save, as Result.save",
}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def top(path: Path) -> str:
    """The first part of a module's name below ``sim`` (``sweeps`` for ``sim/sweeps/store.py``)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imports(path: Path) -> list[tuple[str, bool]]:
    """First parts of the ``sim`` modules a file imports, each with whether the import stands
    inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only
            if isinstance(child, ast.ImportFrom):
                base = list(package[: len(package) - child.level + 1]) if child.level else []
                name = ".".join([*base, *([child.module] if child.module else [])])
                targets = [name] if child.module else [f"{name}.{a.name}" for a in child.names]
                for t in targets:
                    parts = t.split(".")
                    if parts[0] == "sim" and len(parts) > 1:
                        found.append((parts[1], inner))
            elif isinstance(child, ast.Import):
                for a in child.names:
                    parts = a.name.split(".")
                    if parts[0] == "sim" and len(parts) > 1:
                        found.append((parts[1], inner))
            visit(child, inner)

    visit(tree, False)
    return found


def test_every_module_has_a_layer():
    unknown = sorted({top(p) for p in modules()} - set(RANK))
    assert not unknown, f"place these modules in a layer in tests/test_layers.py: {unknown}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_downward(path):
    here = top(path)
    for target, in_function in imports(path):
        if target == "__version__" or target not in RANK:
            continue
        if RANK[target] > RANK[here]:
            assert in_function and (here, target) in UPWARD_CALLS, (
                f"{path.relative_to(ROOT)} imports sim.{target} ({LAYERS[RANK[target]][0]}) from the "
                f"{LAYERS[RANK[here]][0]} layer"
            )


def test_function_level_imports_of_sim_are_only_the_listed_ones():
    seen = {(top(p), t) for p in modules() for t, inner in imports(p) if inner and t in RANK and t != top(p)}
    unexplained = sorted(s for s in seen if s not in UPWARD_CALLS and RANK[s[1]] > RANK[s[0]])
    assert not unexplained, unexplained
