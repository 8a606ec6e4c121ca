"""What a sweep says: which parameters move which outputs, and by how much.

:func:`analyze` runs the analyses of the sweep's design over every output.  Each design's
module in :mod:`sim.sweeps.designs` holds its own, each taking the frame :func:`sim.sweep`
returns (or :func:`sim.sweeps.execution.load_sweep` reads) and one output column:

- :func:`~sim.sweeps.designs.oat.tornado` (oat): each parameter's swing from its low to its
  high end;
- :func:`~sim.sweeps.designs.grid.grid_table` (grid): the output over two parameters,
  averaged over any others;
- :func:`~sim.sweeps.designs.sobol.sobol_indices` (sobol): first-order and total indices with
  confidence intervals;
- :func:`~sim.sweeps.designs.morris.morris_indices` (morris): mu* (overall influence) and sigma
  (non-linearity and interactions), with a confidence interval for mu*;
- :func:`~sim.sweeps.designs.lhs.rank_correlations` (lhs, or any design sampling the
  parameters jointly): Spearman's rank correlation of each parameter with the output.

:mod:`sim.sweeps.frame` reads the sweep's settings, parameters and outputs from the frame.
"""

from __future__ import annotations

import pandas as pd

from .designs import design
from .frame import settings


def analyze(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every analysis of the sweep's design, over every output, as tidy frames by name with an
    ``output`` column first (``grid`` gives the long form of its table)."""
    return design(settings(frame)["design"]).analyse(frame)
