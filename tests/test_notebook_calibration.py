"""The calibration notebook runs from top to bottom and shows what it says it shows."""

from __future__ import annotations

from conftest import execute_notebook

FITTED = ("postures.combat.daily_rate", "casualties.killed", "wounded.return_to_duty")


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def test_calibration_notebook_executes():
    code = execute_notebook("calibration.ipynb")
    everything = "\n".join(_text(c) for c in code)
    for path in FITTED:
        assert path in everything
    assert "acceptance fraction" in everything
    assert "effective strength on 30 April 2025" in everything
    # The reporters' leans, the scores against the later reports, and the stories weighed.
    for words in ("ukraine-government", "south-korea-nis", "crps", "pit", "log_evidence", "zelensky-about-4000"):
        assert words in everything, words
    figures = sum("image/png" in out.get("data", {}) for c in code for out in c.get("outputs", []))
    assert figures == 2  # the fit chart and the two fan charts (one figure)
