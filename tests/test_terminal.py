"""What the commands print: tables fitted to the terminal's width (readable at 80 columns), and
plain text when the output goes to a file, a pipe or a pager."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from conftest import ROOT

ESTIMATES = "scenarios/estimates/dprk-kursk.yaml"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOXES = set("┏┓┗┛┃━│─┡┩╇╈┳┻┼")


def _piped(*args: str, columns: int = 80) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    out = subprocess.run(
        [sys.executable, "simulate.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout


def _in_terminal(*args: str, columns: int) -> str:
    """The command's output in a pseudo-terminal ``columns`` wide, with its escape codes removed."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")} | {"TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "simulate.py", *args], cwd=ROOT, env=env, stdout=child, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(main)
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r", "")


def test_estimates_piped_is_plain_and_fits_80_columns():
    out = _piped("estimates", ESTIMATES)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not ANSI.search(out) and not BOXES & set(out)  # no colour codes, no box drawing
    assert all(line == line.rstrip() for line in lines)  # no padding left at the ends of lines
    # Every column keeps room: the reporters' names are readable, not cut to nothing.
    assert "Zelensky" in out and "Intelligence" in out
    assert "2024-10-14..20" in out  # a range within one month is written short


def test_width_follows_the_environment_not_a_fixed_number():
    wide = _piped("estimates", ESTIMATES, columns=160).splitlines()
    narrow = _piped("estimates", ESTIMATES, columns=80).splitlines()
    assert 80 < max(len(line) for line in wide) <= 160
    assert len(wide) < len(narrow)  # fewer folded lines when there is room


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_terminal_gets_boxes_fitted_to_its_width():
    out = _in_terminal("estimates", ESTIMATES, columns=80)
    assert BOXES & set(out)  # a terminal gets ruled boxes
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_run_tables_fit_80_columns(tmp_path):
    out = _piped("run", "scenarios/kursk-baseline.yaml", "--reps", "40", "--no-plot", "--out", str(tmp_path / "r"))
    lines = out.splitlines()
    # Tables fit; only the sentences above them may run longer (a pager or terminal wraps them).
    assert all(line.startswith(("kursk-baseline:", "effective strength", "wrote ")) for line in lines if len(line) > 80)
    assert not ANSI.search(out) and not BOXES & set(out)
    # The summary sentence is one line (text is not wrapped; only tables are fitted).
    assert any(line.startswith("effective strength on") and "peak median" in line for line in lines)
    assert "Thresholds: first-crossing date" in lines and "Claims" in lines
    assert "P(holds)" in out and "not by end" in out
    # A narrow table puts the condition under the threshold, its wrapped lines indented too.
    i = lines.index(next(line for line in lines if line.startswith("combat_ineffective")))
    assert lines[i + 1].startswith("  effective") and lines[i + 2].startswith("  peak_effective")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--bogus", "1"], "error: --bogus: no such option"),
        (["run", ESTIMATES, "--reps", "abc"], "error: --reps: 'abc' is not a valid integer"),
        (["run", "--reps"], "error: --reps: needs a value"),
        (["run"], "error: SCENARIO: is required"),
        (["compare", "scenarios/"], "error: --until: is required"),
        (["run", "scenarios/kursk-baseline.yaml", "--out", "README.md"], "error: --out: "),
        (["run", "no-such.yaml"], "error: no-such.yaml: no such scenario file"),
    ],
)
def test_errors_are_spelled_the_same_everywhere(args, expected):
    """Usage errors read like every other error: one line, the option (or file) first, exit 2."""
    from click.testing import CliRunner

    from sim.cli import main

    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines() if hasattr(res, "stderr") else res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_workers_option_reads_the_same_in_every_command():
    from click.testing import CliRunner

    from sim.cli import main

    for command in ("run", "sweep", "calibrate", "decide", "score", "claims"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
        assert "--workers INTEGER" in text, command
        assert "[default: all available CPUs] (the same numbers for any count)" in text, command
