"""Every run of a projection as data, for analyses the tables do not foresee.

``runs.parquet`` holds one row per run (replication): its index ``run``, the value of every
parameter it drew (a column per field path, ``postures.combat.daily_rate``), the date each
threshold was first crossed (``first_crossing:<threshold>``, a date, empty when not crossed by
the end) and whether each claim held (``holds:<claim>``, true or false).  Each column's unit and
meaning are in its field metadata (``unit``, ``description``), the run's provenance in the file's
metadata under ``sim.run`` (JSON: scenario, its SHA-256, seed, reps, version).

``trajectories.nc`` is a netCDF-4 file (an xarray ``Dataset``) with dimensions ``run`` and
``date``: every measure of every run on every day, one whole-number variable per measure (people;
``force_ratio`` in thousandths), compressed, with the same provenance in its attributes and each
variable's ``units`` and ``description``.

>>> import xarray as xr
>>> ds = xr.open_dataset("out/kursk-baseline/trajectories.nc")
>>> ds["effective"].median("run")          # the median path, as quantiles.csv's q50

Both are written by ``simulate.py run --save-runs``, or from Python with
``sim.run(..., keep_trajectories=True).save(out, save_runs=True)``.  The trajectories take
reps x days x measures x 8 bytes of memory while the run lasts (2,000 runs of 457 days and 14
measures: about 100 MB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .claims import claim_outcomes, describe_test
from .domains import parameter_unit
from .draws import draw_params
from .measures import NEVER, describe_condition, measure_unit
from .plan import compile_plan
from .posterior import write_parquet
from .scenario import FORCE_RATIO, OPPONENT, SCALED
from .streams import Streams, blocks_for

if TYPE_CHECKING:
    import pyarrow as pa
    import xarray as xr

    from .results import Result

#: Parquet schema metadata key of a run's provenance in ``runs.parquet``.
RUNS_KEY = b"sim.run"

#: What each built-in measure counts (all in people, on the day's close).
MEASURE_WORDS = {
    "arrived": "people who have arrived so far (cumulative)",
    "deployed": "people arrived less those rotated out",
    "effective": "people on duty",
    "wounded_in_care": "wounded people in care",
    "sick_in_care": "sick people in care",
    "killed": "people killed so far (cumulative)",
    "wounded": "people wounded so far (cumulative)",
    "missing": "people missing or captured so far (cumulative)",
    "casualties": "combat casualties so far: killed, wounded and missing (cumulative)",
    "died_of_wounds": "people who died of wounds so far (cumulative)",
    "evacuated": "people evacuated home so far (cumulative)",
    "permanent_losses": "killed, died of wounds, evacuated and missing so far (cumulative)",
    "returned_to_duty": "people returned to duty from care so far (cumulative)",
    "rotated_out": "people rotated out, not a loss (cumulative)",
    FORCE_RATIO: "people on duty of the force over those of its opponent",
}


def measure_words(result: Result, name: str) -> str:
    """What a measure of the run counts, in words (the opponent's, or a sum the scenario defines)."""
    if name in MEASURE_WORDS:
        return MEASURE_WORDS[name]
    if name.startswith(f"{OPPONENT}.") and name[len(OPPONENT) + 1 :] in MEASURE_WORDS:
        return f"the opponent's {MEASURE_WORDS[name[len(OPPONENT) + 1 :]]}"
    return f"sum of {result.scenario.measures.get(name, name)}"


def parameter_values(result: Result, values: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Each replication's value of every parameter of the run, by field path.

    The values are drawn again from the run's own streams (its seed and number of runs), so they
    are the ones the run used; ``values`` are those given to the run (``sim.run(values=...)``,
    posterior rows), which replace draws as they did in the run.
    """
    plan = compile_plan(result.scenario)
    streams = Streams(result.seed, blocks_for(result.reps))
    return draw_params(plan, streams, values).values


def runs_table(result: Result, params: dict[str, np.ndarray], provenance: dict[str, Any]) -> pa.Table:
    """One row per run: its index, parameter values, first-crossing dates and claim outcomes,
    each field with its unit and meaning (see the module's description)."""
    import pyarrow as pa

    reps = result.reps
    given = set(provenance.get("given", ()))
    columns: list[tuple[pa.Field, pa.Array]] = [
        (
            _field(
                "run", pa.int32(), "", "the run's index, 0 to reps - 1 (its random numbers depend on it and the seed)"
            ),
            pa.array(np.arange(reps, dtype=np.int32)),
        )
    ]
    for path in sorted(params):
        how = "given to" if path in given else "drawn for"
        columns.append(
            (
                _field(path, pa.float64(), parameter_unit(path), f"the value of {path} {how} the run"),
                pa.array(np.asarray(params[path], dtype=float)),
            )
        )
    start = np.datetime64(result.dates[0], "D")
    for name, cond in result.scenario.thresholds.items():
        first = result.first_crossing[name]
        days = (start + first.astype("timedelta64[D]")).astype("datetime64[D]")
        columns.append(
            (
                _field(
                    f"first_crossing:{name}",
                    pa.date32(),
                    "date",
                    f"first day on which {describe_condition(cond)} holds after a day it did not; "
                    "empty: not by the end",
                ),
                pa.array(days, type=pa.date32(), mask=first == NEVER),
            )
        )
    for claim in result.scenario.claims:
        columns.append(
            (
                _field(
                    f"holds:{claim.id}",
                    pa.bool_(),
                    "",
                    f"whether the claim of {claim.source.who} holds: {describe_test(claim, result.scenario)}",
                ),
                pa.array(np.asarray(claim_outcomes(result, claim), dtype=bool)),
            )
        )
    return pa.Table.from_arrays([a for _, a in columns], schema=pa.schema([f for f, _ in columns]))


def _field(name: str, kind, unit: str, description: str):
    import pyarrow as pa

    return pa.field(name, kind, metadata={"unit": unit, "description": description})


def trajectories_dataset(result: Result, provenance: dict[str, Any]) -> xr.Dataset:
    """Every measure of every run on every day as an xarray ``Dataset`` (dimensions ``run`` and
    ``date``), whole numbers: int32 where every value fits (int64 otherwise), ``force_ratio`` in
    thousandths.

    Raises
    ------
    ValueError
        When the run kept no trajectories (run it with ``keep_trajectories=True``).
    """
    import pandas as pd
    import xarray as xr

    if result.trajectories is None:
        raise ValueError("the run kept no trajectories: run it with keep_trajectories=True to save its runs")
    data = {}
    for name in result.measures:
        x = np.asarray(result.trajectories[name])
        if name in SCALED:
            x = np.rint(x * SCALED[name])
        info = np.iinfo(np.int32)
        fits = x.size == 0 or (x.min() >= info.min and x.max() <= info.max)
        data[name] = xr.Variable(
            ("run", "date"),
            x.astype(np.int32 if fits else np.int64),
            attrs={"units": measure_unit(name), "description": measure_words(result, name)},
        )
    coords = {
        "run": ("run", np.arange(result.reps, dtype=np.int32), {"description": "the run's index, 0 to reps - 1"}),
        "date": ("date", pd.to_datetime(result.dates), {"description": "the day (each value on the day's close)"}),
    }
    return xr.Dataset(data, coords=coords, attrs=_attrs(provenance))


def _attrs(provenance: dict[str, Any]) -> dict[str, Any]:
    """Provenance as netCDF attributes: numbers and text (lists and mappings as JSON, no None)."""
    out: dict[str, Any] = {}
    for k, v in provenance.items():
        if v is None:
            continue
        out[k] = v if isinstance(v, str | int | float) and not isinstance(v, bool) else json.dumps(v, default=str)
    return out


def write_runs(
    result: Result, d: Path, provenance: dict[str, Any], values: dict[str, np.ndarray] | None = None
) -> list[Path]:
    """Write ``runs.parquet`` and ``trajectories.nc`` into the folder ``d`` (see the module)."""
    prov = {**provenance, "given": sorted(values)} if values else dict(provenance)
    ds = trajectories_dataset(result, prov)  # first: refuses a run without trajectories
    write_parquet(d / "runs.parquet", runs_table(result, parameter_values(result, values), prov), prov, RUNS_KEY)
    # A run's whole path in one chunk, a hundred runs at a time; shuffled bytes compress better.
    chunks = (max(1, min(result.reps, 100)), len(result.dates))
    encoding = {name: {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks} for name in ds.data_vars}
    encoding["date"] = {"units": f"days since {result.dates[0].isoformat()}", "dtype": "int32"}
    ds.to_netcdf(d / "trajectories.nc", engine="h5netcdf", encoding=encoding)
    return [d / "runs.parquet", d / "trajectories.nc"]
