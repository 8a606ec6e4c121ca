"""The marker of an output folder: the file listing what this tool wrote there, so that a
command recognises its own folder and tells its files from anyone else's."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

#: The file that marks a folder as written by this tool, with the list of what it wrote.
MARKER = ".sim-output.json"


def listing(folder: Path) -> tuple[set[str], set[str]]:
    """Relative paths of the files and of the folders under ``folder``."""
    files, dirs = set(), set()
    for root, subdirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        dirs.update(str(rel / d) for d in subdirs)
        files.update(str(rel / n) for n in names)
    return files, dirs


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder this tool wrote (``files`` and ``token``); None for any other."""
    return _read_marker(folder) or _legacy_marker(folder)


def write_marker(folder: Path, command: str, files: set[str]) -> None:
    """Mark ``folder`` as written by ``command``, listing ``files``, with a new token."""
    marker = {"written_by": "sim", "command": command, "token": uuid.uuid4().hex, "files": sorted(files)}
    (folder / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("files"), list) and isinstance(data.get("token"), str)
    return data if ok else None


def _legacy_marker(folder: Path) -> dict[str, Any] | None:
    """Output of an earlier version, recognised by its ``summary.json`` listing exactly the
    files in the folder."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    listed = summary.get("files") if isinstance(summary, dict) else None
    if not isinstance(listed, list) or "version" not in summary:
        return None
    files, dirs = listing(folder)
    if dirs or files != set(map(str, listed)):
        return None
    return {"files": sorted(files), "token": "legacy"}


def foreign(folder: Path, marker: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Files and folders under ``folder`` that the marker does not list (someone else's)."""
    files, dirs = listing(folder)
    ours = set(map(str, marker["files"])) | {MARKER}
    our_dirs = {str(p) for f in ours for p in Path(f).parents if str(p) != "."}
    return sorted(files - ours), sorted(dirs - our_dirs)
