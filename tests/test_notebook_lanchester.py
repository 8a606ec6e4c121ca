"""The Lanchester notebook runs from top to bottom and shows what it says it shows."""

from __future__ import annotations

import re

from test_notebook_calibration import _text

from conftest import execute_notebook


def test_lanchester_notebook_executes():
    code = execute_notebook("lanchester.ipynb")
    everything = "\n".join(_text(c) for c in code)
    # Engel's own method on the stored series gives his coefficients within a few percent (the
    # series lacks his 36th day).
    found = re.search(r"this series: U.S. (0\.\d+) \(Engel: 0.0544\), Japanese (0\.\d+)", everything)
    us, japan = float(found.group(1)), float(found.group(2))
    assert abs(us / 0.0544 - 1) < 0.05 and abs(japan / 0.0106 - 1) < 0.06
    assert "largest gap to the reported U.S. strength" in everything
    gap = float(re.search(r"reported U.S. strength (\d+\.\d)%", everything).group(1))
    assert gap < 5  # Engel's curve stays within a few percent of the record
    assert "no third landing" in everything
    figures = sum("image/png" in out.get("data", {}) for c in code for out in c.get("outputs", []))
    assert figures == 2  # the prior and the fitted two-sides charts
