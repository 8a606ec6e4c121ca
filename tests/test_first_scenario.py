"""A first scenario written without reading the source: the usual slips get messages that say
what to write (a misspelled key, a number with a thousands separator, a share written as a
percentage, a daily rate that looks like a percentage, a bad --set value)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

GOOD = """\
name: t
start: 2025-01-01
end: 2025-03-01
units:
  - {name: a, arrive: 2025-01-01, size: 1000}
postures:
  combat: {daily_rate: 0.01}
"""


def cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "simulate.py"), *args], capture_output=True, text=True, cwd=cwd)


def check(tmp_path, text: str, *words: str, line: int | None = None) -> str:
    (tmp_path / "s.yaml").write_text(text)
    done = cli("validate", "s.yaml", cwd=tmp_path)
    err = done.stderr.strip()
    assert done.returncode == 2 and len(err.splitlines()) == 1, done.stderr
    for w in words:
        assert w in err, err
    if line is not None:
        assert err.startswith(f"error: s.yaml:{line}:"), err
    return err


def test_a_misspelled_top_level_key_names_its_own_line_and_the_nearest_name(tmp_path):
    check(tmp_path, GOOD.replace("units:", "unts:"), "unknown key 'unts'", "(did you mean 'units'?)", line=4)


def test_a_number_with_a_thousands_separator_says_to_write_it_whole(tmp_path):
    check(tmp_path, GOOD.replace("size: 1000", "size: 1,000"), "write 6000", line=5)


def test_a_share_written_as_a_percentage_says_to_write_a_fraction(tmp_path):
    check(tmp_path, GOOD + "casualties: {killed: 30}\n", "casualties.killed", "write 0.3 for 30%")


def test_a_date_error_gives_the_format(tmp_path):
    check(tmp_path, GOOD.replace("end: 2025-03-01", "end: 2025-13-01"), "YYYY-MM-DD", line=3)


def test_an_unquoted_colon_in_a_value_says_to_quote_it(tmp_path):
    check(tmp_path, GOOD.replace("name: t", "name: Kursk: the baseline"), "must be quoted", line=1)


def test_a_daily_rate_that_looks_like_a_percentage_is_a_warning_not_an_error(tmp_path):
    (tmp_path / "s.yaml").write_text(GOOD.replace("daily_rate: 0.01", "daily_rate: 0.2"))
    done = cli("validate", "s.yaml", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ok: s.yaml")
    assert done.stderr.strip().splitlines() == [
        "warning: s.yaml: postures.combat.daily_rate: 0.2 a day hits 20% of those on duty every day; a per-person "
        "daily rate is a probability a day, usually well below 0.01 (is it a percentage, or a weekly figure?)"
    ]
    (tmp_path / "ok.yaml").write_text(GOOD)
    assert cli("validate", "ok.yaml", cwd=tmp_path).stderr == ""  # 0.01 a day: no warning


def test_a_bad_set_value_is_blamed_on_the_option_not_the_file(tmp_path):
    (tmp_path / "s.yaml").write_text(GOOD)
    done = cli("run", "s.yaml", "--set", "postures.combat.daily_rate=2", "--out", "o", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: --set: postures.combat.daily_rate: must lie in")
    assert not (tmp_path / "o").exists()
    # A file with its own error is still blamed on its line, --set or not.
    (tmp_path / "bad.yaml").write_text(GOOD.replace("daily_rate: 0.01", "daily_rate: 5"))
    done = cli("run", "bad.yaml", "--set", "units.a.size=500", "--out", "o", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: bad.yaml:7: postures.combat.daily_rate")


def test_missing_dates_are_one_kind_of_missing_value(tmp_path):
    """In every frame a notebook gets, a date that is not there (never crossed, not said) is NaT
    in a column of pandas dates, never None, NaN or a word."""
    import pandas as pd

    import sim
    from sim.claims import CLAIM_DATES

    text = GOOD + (
        "thresholds:\n  gone: {measure: effective, below: 1}\n  tenth: {measure: effective, below: 900}\n"
        "claims:\n  - id: c\n    says: all gone by February\n    source: {who: someone, outlet: somewhere}\n"
        "    holds_if: {threshold: gone, by: 2025-02-01}\n"
    )
    (tmp_path / "s.yaml").write_text(text)
    s = sim.load_scenario(tmp_path / "s.yaml")
    r = sim.run(s, reps=50, seed=1)
    for frame, cols in ((r.thresholds, ["q05", "q50", "q95"]), (r.claims, list(CLAIM_DATES))):
        for c in cols:
            assert pd.api.types.is_datetime64_any_dtype(frame[c]), c
    gone = r.thresholds.set_index("threshold").loc["gone"]
    assert gone["q50"] is pd.NaT and r.claims.loc[0, "said_on"] is pd.NaT
    # 1% a day from 1,000: below 900 after about 11 days.
    assert (
        pd.Timestamp("2025-01-05")
        < r.thresholds.set_index("threshold").loc["tenth", "q50"]
        < pd.Timestamp("2025-01-20")
    )
    assert r.summary()["thresholds"]["gone"]["q50"] is None  # JSON: null
    swept = sim.sweep(s, params={"postures.combat.daily_rate": (0.001, 0.01)}, design="grid", n=2, reps=20, seed=1)
    dates = swept["median_date:tenth"]  # 0.1% a day: about 105 days, after the end
    assert pd.api.types.is_datetime64_any_dtype(dates) and dates.isna().tolist() == [True, False]
