"""Every chart's colours have one home, sim/chartstyle.py, and all of them are colour-blind safe.

The first test reads the source of every module of ``sim`` but that one: a hex colour written as
a string of its own (``"#4c72b0"``), or any literal string given to a colour keyword
(``color="grey"``, ``mec="white"``, ``{"color": ...}``, ``cmap="viridis"``), fails it with the
file and line.  The second checks the colours that live in chartstyle: each one of Okabe and
Ito's eight, or a grey (black and white included), and heatmaps on a colour map made to be read
with any colour vision.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import matplotlib.colors

import sim.chartstyle as style

SIM = Path(__file__).resolve().parents[1] / "sim"
HOME = SIM / "chartstyle.py"

#: A hex colour, the whole of a string: #rgb, #rgba, #rrggbb or #rrggbbaa.
HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
#: Matplotlib's keywords (and dictionary keys) that take a colour or a colour map.
COLOUR_KEYWORDS = {
    "color",
    "colour",
    "colors",
    "facecolor",
    "facecolors",
    "edgecolor",
    "edgecolors",
    "ecolor",
    "mec",
    "mfc",
    "markeredgecolor",
    "markerfacecolor",
    "cmap",
}
#: The literal a colour keyword may take: no colour at all.
NO_COLOUR = "none"

#: Okabe and Ito's eight colours (Okabe, M. and Ito, K., "Color Universal Design", 2008).
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
#: Colour maps that keep their order for readers with any common colour vision deficiency.
SAFE_MAPS = {"cividis", "viridis"}


def _strings(node: ast.AST) -> list[ast.Constant]:
    """Every string literal within ``node`` (a keyword's value: ``"white" if x else "black"``)."""
    return [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def colours_written(path: Path, root: Path = SIM.parent) -> list[str]:
    """Where ``path`` writes a colour of its own, as ``file:line: what`` (the file named from
    ``root``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(root).as_posix()
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HEX.fullmatch(node.value):
            found.add((node.lineno, f"hex colour {node.value!r}"))
        given = []
        if isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS:
            given.append((node.arg, node.value))
        elif isinstance(node, ast.Dict):
            given += [
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in COLOUR_KEYWORDS
            ]
        for name, value in given:
            for s in _strings(value):
                if s.value != NO_COLOUR:
                    found.add((s.lineno, f"{name}={s.value!r}"))
    return [f"{where}:{line}: {what}" for line, what in sorted(found)]


def test_colours_are_written_only_in_chartstyle():
    modules = sorted(p for p in SIM.rglob("*.py") if p != HOME)
    assert len(modules) > 50  # the whole package is read, not an empty folder
    found = [hit for p in modules for hit in colours_written(p)]
    assert not found, "colours belong in sim/chartstyle.py (take a role from there):\n" + "\n".join(found)


def test_the_scan_sees_each_way_of_writing_a_colour(tmp_path):
    # Each line writes a colour its own way but the last, which takes a role and "none".
    lines = [
        'A = "#4c72b0"',
        "B = {'color': '#abc', 'marker': 'o'}",
        'ax.plot(x, color="grey")',
        'ax.text(0, 0, "t", colour="white" if dark else "black")',
        'ax.plot(x, "D", mec="white", mfc="none")',
        'ax.imshow(v, cmap="viridis")',
        'ax.plot(x, color=style.MODEL, mfc="none", label="#1 in blue")',
    ]
    path = tmp_path / "sim" / "made_up_chart.py"
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n")
    assert colours_written(path, tmp_path) == [
        "sim/made_up_chart.py:1: hex colour '#4c72b0'",
        "sim/made_up_chart.py:2: color='#abc'",
        "sim/made_up_chart.py:2: hex colour '#abc'",
        "sim/made_up_chart.py:3: color='grey'",
        "sim/made_up_chart.py:4: colour='black'",
        "sim/made_up_chart.py:4: colour='white'",
        "sim/made_up_chart.py:5: mec='white'",
        "sim/made_up_chart.py:6: cmap='viridis'",
    ]


def _colours_of(value) -> list[str]:
    """The colours within one of chartstyle's names: a colour, or tuples and dictionaries of them
    (with markers and line styles, which are not colours, left out)."""
    if isinstance(value, str):
        return [value] if HEX.fullmatch(value) else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [c for v in value for c in _colours_of(v)]
    return []


def _safe(colour: str) -> bool:
    """One of Okabe and Ito's colours, or a grey (black and white included)."""
    red, green, blue = matplotlib.colors.to_rgb(colour)
    return colour.upper() in OKABE_ITO or red == green == blue


def test_chartstyle_colours_are_colour_blind_safe():
    names = {n: v for n, v in vars(style).items() if n.isupper()}
    colours = {n: _colours_of(v) for n, v in names.items()}
    # Every role the charts take is here, and each holds colours (not a typo of one).
    for role in ("MODEL", "OPPONENT", "THRESHOLDS", "REPORTERS", "VERDICTS", "CENSORED", "LOW", "HIGH", "POSTERIOR"):
        assert colours[role], role
    unsafe = [f"{n}: {c}" for n, cs in colours.items() for c in cs if not _safe(c)]
    assert not unsafe, unsafe
    # Every hex colour written in the file is one a name holds: none hides outside the check.
    written = set(re.findall(r"[\"'](#[0-9a-fA-F]+)[\"']", HOME.read_text(encoding="utf-8")))
    held = {c for cs in colours.values() for c in cs}
    assert written and written <= held, written - held
    assert style.HEATMAP in SAFE_MAPS
    assert _safe("#123456") is False and _safe("#777777") and _safe(style.ORANGE)  # the check can fail


def test_a_meaning_keeps_its_colour_across_charts():
    # The calibration's posterior is a projection, drawn as the run's fan chart draws one.
    assert style.POSTERIOR == style.MODEL
    # A point past the run's end is marked apart from the model's points on a sweep's charts.
    assert style.CENSORED_MARK != style.MODEL
    # A tornado's two ends, and Sobol's two indices, are told apart.
    assert style.LOW != style.HIGH and style.FIRST_ORDER != style.TOTAL
    assert set(style.VERDICTS) == {"holds", "toss-up", "fails"} and len(set(style.VERDICTS.values())) == 3
