"""The Kursk case: the reported figures, rates derived from them, and the claims reproduced.

Runs use each scenario's own seed (or a fixed one), so every number here is deterministic; the
tolerances say how far the answer may sit from the claimant's and why.
"""

import datetime as dt
import math

import pytest
import yaml

import sim
from conftest import ROOT
from sim.derive import daily_rate, days_range, derive, per_day
from sim.estimates import Estimates, load_estimates

SCENARIOS = ROOT / "scenarios"
ESTIMATES = SCENARIOS / "estimates" / "dprk-kursk.yaml"
SOURCE_FILES = {
    "000_d5a8303e657b57dc.txt",
    "001_7303e9f52252eafb.txt",
    "002_1dd06635044ccb43.txt",
    "003_0cda18591c23c8b6.txt",
    "004_4de5aad428205f20.txt",
}


def run(name, reps=500, overrides=(), seed=None):
    return sim.run(sim.load_scenario(SCENARIOS / f"{name}.yaml", overrides), reps=reps, seed=seed)


def claim(result, claim_id):
    return result.claims.set_index("id").loc[claim_id]


def crossing(result, threshold):
    return result.thresholds.set_index("threshold").loc[threshold]


# -- the estimates file --------------------------------------------------------------------------


def test_estimates_file_holds_the_required_figures():
    est = load_estimates(ESTIMATES)
    # id -> (kind, value, low, high): the figures the case rests on.
    wanted = {
        "nis-1500-heading-to-russia": ("deployed", 1500, None, None),
        "fdd-10000-to-12000": ("deployed", None, 10000, 12000),
        "western-intelligence-about-11000": ("deployed", 11000, None, None),
        "zelensky-about-12000": ("deployed", 12000, None, None),
        "barhylevych-over-11000": ("deployed", 11000, None, None),
        "storm-corps-40000-to-80000": ("reserve", None, 40000, 80000),
        "dia-brigade-3000-to-5000": ("unit_size", None, 3000, 5000),
        "nis-killed-mid-january": ("killed", 300, None, None),
        "nis-wounded-mid-january": ("wounded", 2700, None, None),
        "zelensky-about-4000": ("casualties", 4000, None, None),
        "pullback-about-two-weeks": ("duration_days", 14, None, None),
        "reinforcement-within-two-months": ("duration_days", None, 0, 60),
        "rotation-every-few-months": ("duration_days", None, 60, 120),
        "barrage-25-killed": ("event_losses", 25, None, None),
        "advances-in-groups-of-20-to-60": ("unit_size", None, 20, 60),
    }
    for ident, (kind, value, low, high) in wanted.items():
        e = est.get(ident)
        assert (e.kind, e.value, e.low, e.high) == (kind, value, low, high), ident
    assert est.get("barhylevych-over-11000").lower_bound
    events = {
        "arrival-by-early-october": dt.date(2024, 10, 1),
        "first-action-early-november": dt.date(2024, 11, 1),
        "large-numbers-in-december": dt.date(2024, 12, 1),
        "engagements-24-november": dt.date(2024, 11, 24),
        "second-echelon-duty": dt.date(2024, 12, 5),
        "pullback-about-two-weeks": dt.date(2025, 1, 30),
    }
    for ident, first in events.items():
        assert est.get(ident).first_date == first, ident
    # Every figure is attributed to one of the five source files, with an outlet and a speaker.
    assert {e.file for e in est.estimates} == SOURCE_FILES
    assert all(e.outlet and e.who and e.says for e in est.estimates)


def test_estimates_overlay_on_casualties():
    frame = load_estimates(ESTIMATES).overlay("casualties")
    assert set(frame["id"]) == {"nis-casualties-mid-january", "zelensky-3800-early-january", "zelensky-about-4000"}
    assert (frame["low"] <= frame["value"]).all() and (frame["value"] <= frame["high"]).all()


# -- derived rates, checked by hand --------------------------------------------------------------


def figures(**extra):
    """A small estimates file built in code: one figure per keyword (id -> fields)."""
    base = {"kind": "casualties", "says": "x", "who": "x", "outlet": "x", "file": "000_d5a8303e657b57dc.txt"}
    return Estimates.model_validate({"case": "t", "estimates": [{"id": k, **base, **v} for k, v in extra.items()]})


def test_per_day_by_hand():
    est = figures(
        a={"date": "2025-01-15", "value": 3000},
        b={"date": "2025-01-15", "low": 2000, "high": 4000},
        c={"dates": ["2025-01-11", "2025-01-20"], "value": 3000},
        d={"dates": ["2025-01-01", "2025-01-10"], "value": 3800},
    )
    since = dt.date(2024, 12, 6)
    # 3,000 over the 40 days from 6 December to 15 January.
    assert derive({"figure": "a", "since": since}, est, "per_day") == 75.0
    # A reported range becomes a uniform over the rates: 2,000/30 to 4,000/30 from 16 December.
    got = derive({"figure": "b", "since": dt.date(2024, 12, 16)}, est, "per_day")
    assert got == {"uniform": [2000 / 30, 4000 / 30]}
    # A range of dates too: 3,000 over 41 to 50 days from 1 December.
    assert derive({"figure": "c", "since": dt.date(2024, 12, 1)}, est, "per_day") == {"uniform": [60.0, 3000 / 41]}
    # ISW's sum: 3,800 standing on 16 January, 41 days from 6 December: about 92.7 a day.
    assert derive({"figure": "d", "since": since, "until": dt.date(2025, 1, 16)}, est, "per_day") == 3800 / 41
    # Without since: the figure itself.
    assert derive({"figure": "b"}, est, "size") == {"uniform": [2000.0, 4000.0]}
    assert per_day((3000, 3000), (40, 40)) == (75.0, 75.0)
    assert days_range(est.get("c"), dt.date(2024, 12, 1)) == (41, 50)


def test_daily_rate_by_hand():
    # 3,000 of 12,000 in 40 days: hazard -ln(0.75)/40; as a daily probability 1 - 0.75**(1/40),
    # which leaves exactly 75% after 40 days.
    lo, hi = daily_rate((3000, 3000), (12000, 12000), (40, 40))
    assert lo == hi
    assert math.isclose(lo, 1 - 0.75 ** (1 / 40), rel_tol=1e-12)
    assert math.isclose((1 - lo) ** 40, 0.75, rel_tol=1e-12)
    assert math.isclose(-math.log1p(-lo), -math.log(0.75) / 40, rel_tol=1e-12)
    # With a strength range, the low rate takes the large strength and the high rate the small.
    est = figures(
        c={"date": "2025-01-10", "value": 3000},
        n={"date": "2025-01-10", "kind": "deployed", "low": 10000, "high": 12000},
    )
    got = derive({"figure": "c", "since": dt.date(2024, 12, 1), "strength": "n"}, est, "daily_rate")
    # (to rounding: log1p/expm1 and the power differ in the last digits)
    assert got["uniform"] == pytest.approx([1 - 0.75 ** (1 / 40), 1 - 0.7 ** (1 / 40)], rel=1e-12)
    fixed = derive({"figure": "c", "since": dt.date(2024, 12, 1), "strength": 12000}, est, "daily_rate")
    assert fixed == pytest.approx(1 - 0.75 ** (1 / 40), rel=1e-12)


def write_case(tmp_path, per_day_value, estimates="est.yaml", extra=None):
    """A scenario file and an estimates file side by side; returns the scenario path."""
    (tmp_path / "est.yaml").write_text(
        yaml.safe_dump(
            {
                "case": "t",
                "estimates": [
                    {
                        "id": "c3000",
                        "date": "2025-01-15",
                        "kind": "casualties",
                        "value": 3000,
                        "says": "x",
                        "who": "x",
                        "outlet": "x",
                        "file": "000_d5a8303e657b57dc.txt",
                    },
                    {
                        "id": "talk",
                        "date": "2025-01-15",
                        "kind": "event",
                        "says": "x",
                        "who": "x",
                        "outlet": "x",
                        "file": "000_d5a8303e657b57dc.txt",
                    },
                    {
                        "id": "over",
                        "date": "2025-01-15",
                        "kind": "deployed",
                        "value": 11000,
                        "lower_bound": True,
                        "says": "x",
                        "who": "x",
                        "outlet": "x",
                        "file": "000_d5a8303e657b57dc.txt",
                    },
                ],
            }
        )
    )
    data = {
        "name": "t",
        "start": "2024-12-01",
        "end": "2025-06-30",
        "units": [{"name": "a", "arrive": "2024-12-01", "size": 12000}],
        "postures": {"combat": {"per_day": per_day_value}},
        **(extra or {}),
    }
    if estimates:
        data["estimates"] = estimates
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_derivation_through_load_scenario(tmp_path):
    s = sim.load_scenario(write_case(tmp_path, {"derive": {"figure": "c3000", "since": "2024-12-06"}}))
    assert s.postures["combat"].per_day.describe() == "75"
    # Overrides come first, so a derivation can be set from the command line too.
    override = "postures.combat.per_day={derive: {figure: c3000, since: 2024-12-16}}"
    s = sim.load_scenario(write_case(tmp_path, 10), [override])
    assert s.postures["combat"].per_day.describe() == "100"


# (case, per_day value, estimates file, field named, words of the rule)
BAD_DERIVATIONS = [
    (
        "unknown-id",
        {"derive": {"figure": "nope", "since": "2024-12-06"}},
        "est.yaml",
        "postures.combat.per_day.derive.figure",
        "no estimate with id 'nope'",
    ),
    (
        "since-after-figure",
        {"derive": {"figure": "c3000", "since": "2025-02-01"}},
        "est.yaml",
        "postures.combat.per_day.derive.since",
        "must be before the date",
    ),
    (
        "no-estimates-file",
        {"derive": {"figure": "c3000", "since": "2024-12-06"}},
        None,
        "postures.combat.per_day.derive",
        "estimates",
    ),
    (
        "missing-estimates-file",
        {"derive": {"figure": "c3000", "since": "2024-12-06"}},
        "nowhere.yaml",
        "estimates",
        "no estimates file",
    ),
    (
        "event-has-no-figure",
        {"derive": {"figure": "talk", "since": "2024-12-06"}},
        "est.yaml",
        "postures.combat.per_day.derive.figure",
        "no figure",
    ),
    ("lower-bound", {"derive": {"figure": "over"}}, "est.yaml", "postures.combat.per_day.derive.figure", "lower bound"),
    (
        "strength-under-per-day",
        {"derive": {"figure": "c3000", "since": "2024-12-06", "strength": 9000}},
        "est.yaml",
        "postures.combat.per_day.derive.strength",
        "daily_rate only",
    ),
    (
        "unknown-key",
        {"derive": {"figure": "c3000", "from": "2024-12-06"}},
        "est.yaml",
        "postures.combat.per_day.derive.from",
        "allowed: figure, since, until, strength",
    ),
    (
        "not-a-date",
        {"derive": {"figure": "c3000", "since": "early December"}},
        "est.yaml",
        "postures.combat.per_day.derive.since",
        "must be a date",
    ),
    (
        "other-keys",
        {"derive": {"figure": "c3000"}, "uniform": [1, 2]},
        "est.yaml",
        "postures.combat.per_day.derive",
        "stands alone",
    ),
]


@pytest.mark.parametrize(
    ("case", "value", "estimates", "field", "rule"), BAD_DERIVATIONS, ids=[c[0] for c in BAD_DERIVATIONS]
)
def test_bad_derivation_is_one_line_naming_the_field(tmp_path, case, value, estimates, field, rule):
    path = write_case(tmp_path, value, estimates)
    with pytest.raises(sim.InputError) as err:
        sim.load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(path)) and f": {field}: " in msg and rule in msg, msg


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        ({"figure": "c3000", "since": "2024-12-06"}, "needs strength"),
        ({"figure": "c3000", "since": "2024-12-06", "strength": 2000}, "fewer than the strength"),
        ({"figure": "c3000"}, "needs since"),
    ],
)
def test_bad_daily_rate_derivation(tmp_path, spec, rule):
    path = write_case(tmp_path, 1)
    data = yaml.safe_load(path.read_text())
    data["postures"]["combat"] = {"daily_rate": {"derive": spec}}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sim.InputError, match=rule) as err:
        sim.load_scenario(path)
    assert "postures.combat.daily_rate.derive" in str(err.value)


# -- the scenarios -------------------------------------------------------------------------------


def test_every_scenario_validates_and_names_its_file():
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 14
    for f in files:
        s = sim.load_scenario(f)
        assert s.name == f.stem
        assert s.estimates == "estimates/dprk-kursk.yaml", f.name
        assert s.claims, f.name


def test_isw_median_all_lost_within_a_week_of_15_april():
    r = run("isw-92-a-day-wounded-all-lost", reps=2000)
    median = crossing(r, "all_out_of_action")["q50"].date()
    # ISW: ~8,200 left on 16 January at ~92 a day -> about 15 April.  The straight line gives
    # 12,000 / (3,800 / 41) = 129.5 days from 6 December; Poisson noise moves it by a day or two.
    assert abs((median - dt.date(2025, 4, 15)).days) <= 7, median
    c = claim(r, "isw-all-lost-by-april")
    assert c["verdict"] == "holds" and c["probability"] > 0.95


def test_fdd_claim_holds_under_its_own_assumptions():
    c = claim(run("fdd-nis-rate-constant"), "fdd-wiped-out-within-months")
    # At 60-73 a day, under a tenth of 10,000-12,000 is left by mid-April to late May: well
    # inside the 180 days (to 14 July); the probability is 1 with a wide margin.
    assert c["verdict"] == "holds" and c["probability"] > 0.95


def test_zelensky_count_reproduced_and_checked_against_the_others():
    assert claim(run("zelensky-4000-by-mid-january"), "zelensky-about-4000")["verdict"] == "holds"
    # ISW's rate gives ~3,800 by 16 January: inside 3,000-5,000.
    assert claim(run("isw-92-a-day-wounded-all-lost"), "zelensky-about-4000")["verdict"] == "holds"


def test_return_to_duty_moves_isw_all_lost_past_april():
    r = run("isw-rate-16pct-wounded-return", reps=2000)
    median = crossing(r, "all_out_of_action")["q50"].date()
    assert median > dt.date(2025, 4, 30), median
    assert claim(r, "isw-all-lost-by-april")["verdict"] == "fails"
    # The same scenario with 12% returning still ends in April (median ~27 April): the tipping
    # share lies between, as the scenario file records.
    r12 = run("isw-rate-16pct-wounded-return", reps=2000, overrides=["wounded.return_to_duty=0.12"])
    assert crossing(r12, "all_out_of_action")["q50"].date() <= dt.date(2025, 4, 30)
    assert claim(r12, "isw-all-lost-by-april")["verdict"] == "holds"


# Which alternative overturns which claim (verdicts at 500 runs; every probability here is 0, 1
# or, for mass-casualty days, about 0.93, far from the 1/3 and 2/3 verdict lines).
OUTCOMES = {
    "pullback-three-weeks-then-return": ("fails", "holds"),
    "rotation-every-three-months": ("fails", "fails"),
    "second-contingent-by-march": ("fails", "fails"),
    "reinforce-brigade-when-half-lost": ("fails", "fails"),
    "rotation-from-storm-corps-pool": ("fails", "fails"),
    "rear-guard-duty-only": ("fails", "fails"),
    "dispersal-after-lessons-learned": ("fails", "holds"),
    "mass-casualty-days": ("holds", "holds"),
}


@pytest.mark.parametrize("name", list(OUTCOMES))
def test_alternatives(name):
    r = run(name)
    isw, fdd = OUTCOMES[name]
    assert claim(r, "isw-all-lost-by-april")["verdict"] == isw
    assert claim(r, "fdd-wiped-out-within-months")["verdict"] == fdd


def test_per_person_reading_overturns_fdd():
    c = claim(run("fdd-nis-rate-per-person"), "fdd-wiped-out-within-months")
    # Exponential decay at 0.57-0.87% a day takes ln(10)/rate = 265-400 days to leave a tenth:
    # long after the 180 days.
    assert c["verdict"] == "fails" and c["probability"] < 0.05


def test_storm_corps_pool_sustains_rotation_into_2026():
    t = crossing(run("rotation-from-storm-corps-pool"), "all_out_of_action")
    # 28,000-68,000 left, 12,000 per 90-day relief: the pool runs dry between late 2025 and
    # mid-2026 (2 to 5 reliefs after March 2025).
    assert dt.date(2025, 9, 1) <= t["q50"].date() <= dt.date(2026, 9, 1)
