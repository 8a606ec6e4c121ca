"""A sweep's folder on disk: written as results arrive, and resumable after a crash.

Layout::

    OUT/sweep.json            what decides the numbers (scenario, parameters, design, outputs,
                              replications, seed, batch size); never changes after creation
    OUT/scenario.yaml         the resolved scenario, for reading
    OUT/design.parquet        every point and its parameter values
    OUT/points/part-NNNNNN.parquet   one file per finished batch: a row per point with its
                              parameters, seed, replications and outputs
    OUT/damaged/part-NNNNNN.parquet  a part file a resume could not use, set aside

The folder is created whole (staged, then renamed into place).  Each part file is written
to a hidden temporary name, flushed to disk and renamed, so a sweep killed at any moment
leaves only whole part files; a resumed sweep runs the batches that have none, so nothing
is lost and nothing is duplicated.  A part file damaged afterwards (from outside: a full
disk while copying, a truncated transfer) is checked for on resume, set aside and its batch
run again.

Every Parquet file of the folder carries the sweep's provenance (:func:`sim.sweeps.spec.provenance`:
the scenario's name and SHA-256, seed, replications, design, version...) as JSON under the
schema metadata key :data:`METADATA_KEY` (read it with :func:`read_metadata`), and each output
column its unit and description in its field metadata (``unit``, ``description``).  A
first-crossing date is a ``date32`` column; a median day after the end is null, with the
boolean ``median_crossed:<threshold>`` false, never a stand-in number.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..atomic import atomic_write
from ..errors import InputError
from ..folders import staged
from . import designs
from .scalars import UNITS
from .spec import Sweep, provenance

MANIFEST = "sweep.json"
#: Parquet schema metadata key under which a sweep's files keep its provenance (JSON), as
#: ``calibrate`` keeps its own under ``sim.calibration`` in ``posterior.parquet``.
METADATA_KEY = b"sim.sweep"
_TYPES = {"float64": pa.float64(), "date32": pa.date32(), "bool": pa.bool_()}
PARTS = "points"
DAMAGED = "damaged"
_PART = re.compile(r"^part-(\d{6,})\.parquet$")


def _field(name: str, type_: pa.DataType, description: str, unit: str | None = None) -> pa.Field:
    meta = {"description": description}
    if unit is not None:
        meta |= {"unit": unit, "unit_means": UNITS[unit]}
    return pa.field(name, type_, metadata=meta)


def _design_fields(sweep: Sweep) -> list[pa.Field]:
    fields = [
        _field("point", pa.int64(), "the point's place in the design, from 0"),
        _field("batch", pa.int64(), "the engine run (batch of points) the point belongs to"),
    ]
    fields += [
        _field(c, pa.string(), f"a column of the {sweep.design} design")
        for c in designs.design(sweep.design).extra_columns
    ]
    fields += [_field(p, pa.float64(), f"swept parameter, {sweep.params[p].describe()}") for p in sweep.paths]
    return fields


def _metadata(sweep: Sweep) -> dict[bytes, bytes]:
    info = provenance(sweep.manifest()) | {"scenario_file": sweep.scenario_file}
    return {METADATA_KEY: json.dumps(info, default=str).encode()}


def schema(sweep: Sweep) -> pa.Schema:
    """The columns of a part file (the same in every part, whatever its values), with each
    output's unit and the sweep's provenance in the metadata."""
    fields = _design_fields(sweep)
    fields[2:2] = [
        _field("seed", pa.int64(), "the sweep's seed"),
        _field("reps", pa.int64(), "replications run at the point"),
    ]
    fields += [_field(c.name, _TYPES[c.type], c.description, c.unit) for o in sweep.outputs for c in o.fields]
    return pa.schema(fields, metadata=_metadata(sweep))


def design_table(sweep: Sweep, design: pd.DataFrame) -> pa.Table:
    """The design (``design.parquet``): every point and its parameter values, with the
    sweep's provenance in the metadata."""
    target = pa.schema(_design_fields(sweep), metadata=_metadata(sweep))
    return pa.Table.from_pandas(design[target.names], schema=target, preserve_index=False)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The provenance a sweep's Parquet file carries (empty if none)."""
    meta = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    return json.loads(meta) if meta else {}


class SweepStore:
    """The folder of one sweep.

    Parameters
    ----------
    out_dir : path
        The sweep's folder.
    """

    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir)
        self.parts = self.dir / PARTS

    # -- creating and reopening ------------------------------------------------------------
    def check_new(self) -> None:
        """Refuse to start a new sweep in a folder that holds anything."""
        if self.dir.exists() and not self.dir.is_dir():
            raise InputError("--out", str(self.dir), "exists and is not a folder")
        if self.dir.is_dir() and any(self.dir.iterdir()):
            if (self.dir / MANIFEST).exists():
                raise InputError(
                    "--out", str(self.dir), "holds a sweep; pass --resume to continue it, or choose another folder"
                )
            raise InputError("--out", str(self.dir), "is not empty and holds no sweep; choose a new or empty folder")

    def create(self, sweep: Sweep, design: pd.DataFrame) -> None:
        """Create the folder with its manifest, resolved scenario and design, all at once."""
        self.check_new()

        def fill(d: Path) -> None:
            (d / PARTS).mkdir()
            (d / MANIFEST).write_text(json.dumps(sweep.manifest(), indent=2) + "\n", encoding="utf-8")
            head = (
                f"# Scenario of the sweep in this folder (seed {sweep.seed}, {sweep.reps} replications "
                f"a point); the swept parameters are in sweep.json.\n"
            )
            (d / "scenario.yaml").write_text(
                head + yaml.safe_dump(sweep.scenario.dump(), sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
            pq.write_table(design_table(sweep, design), d / "design.parquet")

        staged(self.dir, fill)

    def manifest(self) -> dict[str, Any]:
        path = self.dir / MANIFEST
        if not path.is_file():
            raise InputError("--out", str(self.dir), "holds no sweep to resume (no sweep.json)")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(str(path), "", f"cannot be read ({exc})") from None

    def check_resume(self, sweep: Sweep) -> None:
        """Refuse to resume with settings that would change the numbers."""
        old, new = self.manifest(), sweep.manifest()
        for key in new:
            if old.get(key) != new[key]:
                raise InputError(
                    "--resume",
                    key,
                    f"differs from the sweep in {self.dir / MANIFEST} "
                    f"(was {_short(old.get(key))}, now {_short(new[key])})",
                )
        self.clean()

    def clean(self) -> None:
        """Remove temporary files a killed sweep left behind."""
        if self.parts.is_dir():
            for p in self.parts.glob(".part-*"):
                p.unlink(missing_ok=True)

    # -- parts --------------------------------------------------------------------------------
    def done(self) -> set[int]:
        """Batches whose part file exists."""
        if not self.parts.is_dir():
            return set()
        return {int(m.group(1)) for p in self.parts.iterdir() if (m := _PART.match(p.name))}

    def check_parts(self, sweep: Sweep, notice: Callable[[str], None]) -> set[int]:
        """Batches whose part file is whole and holds that batch's points.

        A part file that is not (damaged from outside: every part is written whole, then
        renamed) is moved into ``damaged/``, never deleted, and its batch runs again.
        """
        done = set()
        for batch in sorted(self.done()):
            path = self.parts / f"part-{batch:06d}.parquet"
            problem = _part_problem(path, sweep, batch)
            if problem is None:
                done.add(batch)
                continue
            kept = self._set_aside(path)
            notice(f"{path} cannot be used ({problem}); moved it to {kept} and running batch {batch} again")
        return done

    def _set_aside(self, path: Path) -> Path:
        """Move a damaged part file into ``damaged/`` under a name not yet taken."""
        folder = self.dir / DAMAGED
        folder.mkdir(exist_ok=True)
        target, n = folder / path.name, 1
        while target.exists():
            n += 1
            target = folder / f"{path.stem}-{n}{path.suffix}"
        os.rename(path, target)
        return target

    def write_part(self, batch: int, table: pa.Table) -> Path:
        """Write one batch's rows: a temporary file, flushed, then renamed into place."""
        return atomic_write(self.parts / f"part-{batch:06d}.parquet", lambda p: pq.write_table(table, p), durable=True)

    def read(self) -> pd.DataFrame:
        """Every finished point, sorted by point."""
        files = sorted(p for p in self.parts.iterdir() if _PART.match(p.name)) if self.parts.is_dir() else []
        if not files:
            return pd.DataFrame()
        frame = pa.concat_tables([_read_part(f) for f in files]).to_pandas(date_as_object=False)
        if frame["point"].duplicated().any():
            raise InputError(str(self.parts), "point", "a point appears in two part files")
        return frame.sort_values("point", ignore_index=True)


def _read_part(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            str(path),
            "",
            f"cannot be read ({_first_line(exc, path)}); run the sweep again with "
            "--resume to set it aside and redo its batch",
        ) from None


def _part_problem(path: Path, sweep: Sweep, batch: int) -> str | None:
    """What is wrong with a batch's part file, or None if it is whole and holds the batch's points."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        return f"unreadable: {_first_line(exc, path)}"
    if not table.schema.equals(schema(sweep), check_metadata=False):
        return "its columns are not this sweep's"
    lo, hi = batch * sweep.batch_points, min((batch + 1) * sweep.batch_points, sweep.points)
    if table.column("point").to_pylist() != list(range(lo, hi)) or set(table.column("batch").to_pylist()) != {batch}:
        return f"it does not hold the points {lo} to {hi - 1} of batch {batch}"
    return None


def _first_line(exc: BaseException, path: Path | None = None) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if path is not None:  # the message names the file, which the caller already does
        text = text.split(f"'{path}': ", 1)[-1]
    return text if len(text) <= 100 else text[:97] + "..."


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
