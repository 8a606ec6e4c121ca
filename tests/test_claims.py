"""Claims and estimates on the command line, and malformed estimates files."""

import shutil
from functools import partial

import pandas as pd
import pytest
import yaml

import sim
from conftest import ROOT, simulate
from sim.claims import CLAIM_DATES
from sim.cli_claims import claims_markdown
from sim.estimates import load_estimates
from sim.measures import as_dates

SCENARIOS = ROOT / "scenarios"
ESTIMATES = SCENARIOS / "estimates" / "dprk-kursk.yaml"


cli = partial(simulate, columns=200)  # wide: the tables' cells whole (test_terminal checks 80)


# -- malformed estimates files -------------------------------------------------------------------

GOOD = {
    "id": "x",
    "date": "2025-01-15",
    "kind": "casualties",
    "value": 3000,
    "says": "a paraphrase",
    "who": "someone",
    "outlet": "somewhere",
    "file": "000_d5a8303e657b57dc.txt",
}


def estimates_text(*items, **top):
    return yaml.safe_dump({"case": "t", **top, "estimates": list(items)}, sort_keys=False)


# (case, file text, field named, words of the rule)
BAD_ESTIMATES = [
    ("unknown-key", estimates_text({**GOOD, "source": "x"}), "estimates.0", "unknown key 'source'"),
    (
        "low-above-high",
        estimates_text({**GOOD, "value": None, "low": 5, "high": 1}),
        "estimates.0",
        "must not exceed high",
    ),
    ("no-figure", estimates_text({**GOOD, "value": None}), "estimates.0", "needs value, or low and high"),
    ("value-outside-range", estimates_text({**GOOD, "low": 1, "high": 10}), "estimates.0", "within low..high"),
    ("date-and-dates", estimates_text({**GOOD, "dates": ["2025-01-01", "2025-01-02"]}), "estimates.0", "not both"),
    (
        "dates-out-of-order",
        estimates_text({**{k: v for k, v in GOOD.items() if k != "date"}, "dates": ["2025-02-01", "2025-01-02"]}),
        "estimates.0",
        "in order",
    ),
    ("unknown-kind", estimates_text({**GOOD, "kind": "rumour"}), "estimates.0.kind", "rumour"),
    ("negative", estimates_text({**GOOD, "value": -3}), "estimates.0.value", "greater than or equal to 0"),
    ("bad-file-name", estimates_text({**GOOD, "file": "article.txt"}), "estimates.0.file", "pattern"),
    (
        "old-seed-key",
        estimates_text({**{k: v for k, v in GOOD.items() if k != "file"}, "seed": GOOD["file"]}),
        "estimates.0",
        "unknown key 'seed'; allowed: counts, date, dates, file, high, id, kind, low, lower_bound, note, outlet, "
        "reference, reporter, revises, says, url, value, who (the source article's file name is now 'file')",
    ),
    (
        "no-source",
        estimates_text({k: v for k, v in GOOD.items() if k != "file"}),
        "estimates.0",
        "name the source: give file, url or reference",
    ),
    ("bad-url", estimates_text({**GOOD, "url": "not a web address"}), "estimates.0.url", "pattern"),
    ("duplicate-id", estimates_text(GOOD, GOOD), "estimates", "used twice"),
    ("share-above-1", estimates_text({**GOOD, "kind": "share", "value": 55}), "estimates.0", "between 0 and 1"),
    ("missing-says", estimates_text({k: v for k, v in GOOD.items() if k != "says"}), "estimates.0.says", "required"),
    ("no-estimates", yaml.safe_dump({"case": "t", "estimates": []}), "estimates", "at least 1"),
    ("broken-yaml", "case: t\nestimates: [\n", "", "not valid YAML"),
    ("empty", "", "", "empty"),
]


@pytest.mark.parametrize(("case", "text", "field", "rule"), BAD_ESTIMATES, ids=[c[0] for c in BAD_ESTIMATES])
def test_malformed_estimates_give_one_line(tmp_path, case, text, field, rule):
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    with pytest.raises(sim.InputError) as err:
        load_estimates(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    assert (f": {field}: " in msg if field else True) and rule in msg, msg


def test_error_names_the_estimate(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(estimates_text({**GOOD, "id": "first"}, {**GOOD, "id": "nis-wrong", "value": None}))
    with pytest.raises(sim.InputError, match=r"estimates\.1: .*\(estimate 'nis-wrong'\)"):
        load_estimates(path)


# -- the estimates command -----------------------------------------------------------------------


def test_estimates_command_prints_the_table(tmp_path):
    p = cli("estimates", str(ESTIMATES), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for text in ("Reported estimates: dprk-kursk", "nis-killed-mid-january", "10,000-12,000", "more than 11,000"):
        assert text in p.stdout, text


def test_estimates_command_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(estimates_text({**GOOD, "kind": "rumour"}))
    p = cli("estimates", str(bad), cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "estimates.0.kind" in p.stderr


# -- the claims command --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def claims_run(tmp_path_factory):
    """One run of the whole scenarios folder (300 runs each: enough for verdicts, not for the docs)."""
    tmp = tmp_path_factory.mktemp("claims")
    out = tmp / "out"
    return cli("claims", str(SCENARIOS), "--reps", "300", "--out", str(out), cwd=tmp), out


def test_claims_command_writes_the_table(claims_run):
    p, out = claims_run
    assert p.returncode == 0, p.stderr
    frame = pd.read_csv(out / "claims.csv")
    expected = {(f.stem, c.id) for f in SCENARIOS.glob("*.yaml") for c in sim.load_scenario(f).claims}
    assert set(zip(frame["scenario"], frame["id"], strict=True)) == expected
    assert frame["verdict"].isin(["holds", "fails", "toss-up"]).all()
    md = (out / "claims.md").read_text().splitlines()
    assert md[1].startswith("| scenario | claim |") and len(md) == 3 + len(expected)
    assert "| isw-92-a-day-wounded-all-lost | isw-all-lost-by-april |" in "\n".join(md)
    assert "Claims" in p.stdout and f"{len(expected)} claims from" in p.stdout


def test_claims_command_writes_plots_per_scenario(claims_run):
    _, out = claims_run
    for name in ("isw-92-a-day-wounded-all-lost", "fdd-nis-rate-constant", "kursk-baseline"):
        for png in ("crossing.png", "fan-casualties.png", "fan-effective.png"):
            assert (out / name / png).read_bytes()[:4] == b"\x89PNG", (name, png)
    # Nothing is left behind from staging.
    assert not [f for f in out.parent.iterdir() if f.name.startswith(".")]


def test_claims_command_bad_scenario_writes_nothing(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    (folder / "zz-bad.yaml").write_text(
        (SCENARIOS / "isw-92-a-day-wounded-all-lost.yaml")
        .read_text()
        .replace("since: 2024-12-06, until", "since: 2025-03-01, until")
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier output")
    p = cli("claims", str(folder), "--reps", "50", "--out", str(out), cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and "zz-bad.yaml" in p.stderr
    assert "postures.combat.per_day.derive.since" in p.stderr
    assert [f.name for f in tmp_path.iterdir() if f.name != "scenarios"] == ["out"]
    assert [f.name for f in out.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("args", [["--reps", "0"], ["--seed", "-1"]])
def test_claims_command_bad_option(tmp_path, args):
    p = cli("claims", str(SCENARIOS), *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_claims_command_empty_folder(tmp_path):
    p = cli("claims", str(tmp_path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert p.returncode == 2 and "no scenario files" in p.stderr


def test_claims_markdown_by_hand():
    # A claims frame as evaluate_claims gives it: dates as pandas dates, NaT where missing.
    frame = as_dates(
        pd.DataFrame(
            [
                {
                    "scenario": "s",
                    "id": "a",
                    "says": "x",
                    "who": "ISW",
                    "said_on": "2025-01-16",
                    "file": "001",
                    "test": "threshold t by 2025-04-30",
                    "kind": "crossing",
                    "deadline": "2025-04-30",
                    "probability": 0.125,
                    "q05": "2025-04-30",
                    "q50": "2025-05-02",
                    "q95": None,
                    "likelihood": "unlikely",
                    "verdict": "fails",
                },
                {
                    "scenario": "s",
                    "id": "b|c",
                    "says": "x",
                    "who": "Z",
                    "said_on": None,
                    "file": "001",
                    "test": "casualties in [3000, 5000] on 2025-01-16",
                    "kind": "state",
                    "deadline": "2025-01-16",
                    "probability": 1.0,
                    "q05": None,
                    "q50": None,
                    "q95": None,
                    "likelihood": "virtually certain",
                    "verdict": "holds",
                },
            ]
        ),
        CLAIM_DATES,
    )
    assert claims_markdown(frame).splitlines()[2:] == [
        "| s | a | ISW, 2025-01-16 | threshold t by 2025-04-30 | 12% | 2025-05-02 (2025-04-30 to not by end)"
        " | fails (unlikely) |",
        "| s | b\\|c | Z | casualties in [3000, 5000] on 2025-01-16 | 100% | - | holds (virtually certain) |",
    ]
