"""Regenerate ``tests/data/baseline.json``: a seeded run of every shipped scenario, reduced to a
few summary numbers per scenario, so that a change that alters the model's numbers is seen.

Run it only when a change of numbers is intended, and say why in the commit:

    python tests/regenerate_baseline.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "data" / "baseline.json"
REPS, SEED = 300, 20250101
FINAL_DAY = ("effective", "casualties", "killed", "permanent_losses", "wounded_in_care", "deployed")


def summarise(path: Path) -> dict:
    """Final-day means and medians of the main measures, thresholds' crossing statistics and
    claims' probabilities of one seeded run."""
    import sim

    result = sim.run(sim.load_scenario(path), reps=REPS, seed=SEED)
    final = {}
    for m in FINAL_DAY:
        last = result.measure(m).iloc[-1]
        final[m] = {"mean": round(float(last["mean"]), 6), "q50": round(float(last["q50"]), 6)}
    thresholds = {
        r["threshold"]: {k: _plain(r[k]) for k in ("probability_by_end", "q05", "q50", "q95")}
        for r in result.thresholds.to_dict("records")
    }
    claims = {r["id"]: round(float(r["probability"]), 6) for r in result.claims.to_dict("records")}
    return {"final_day": final, "thresholds": thresholds, "claims": claims}


def _plain(value):
    """A table cell as JSON: dates as YYYY-MM-DD, not crossed (NaT) as null, numbers rounded."""
    from sim.measures import plain

    value = plain(value)
    return round(value, 6) if isinstance(value, float) else value


def baseline() -> dict:
    files = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml") if "estimates" not in p.parts)
    return {"reps": REPS, "seed": SEED, "scenarios": {p.name: summarise(p) for p in files}}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    BASELINE.write_text(json.dumps(baseline(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE.relative_to(ROOT)}")
