"""Output folders: writing results to disk without ever losing anyone's files.

Rules every command follows (``run``, ``claims``, ``calibrate``, the sweep's folder):

- A command writes only into a folder that is new, empty, or its own from an earlier run (it
  carries the marker file :data:`sim.marker.MARKER`, which lists what the tool wrote there).
  Anything else is refused with one line before any work is done.
- In its own folder it replaces only what it wrote; files someone added later are kept.
- A scenario's name is a label: the default folder is ``out/<label>``, always inside ``out/``.
- Files are written into a hidden staging folder beside the target, which is then exchanged
  with the target in one atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux), so there is
  never a moment without the folder and a crash leaves the old output or the new one, never a
  mixture.  Staging folders left by a killed process are removed by the next write beside them.
- Of two commands writing to the same folder at once, the one that finishes second is refused
  with one line (it would otherwise silently replace output it never saw).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .atomic import exchange, publish
from .errors import InputError
from .marker import MARKER, foreign, listing, read_marker, write_marker

_STAGING = "sim-staging"
_STAGING_FLAG = ".sim-staging"


class OutputError(InputError):
    """An output folder that cannot be written; ``str()`` is one line naming the option and
    the folder (its ``source``) and the rule."""

    def __init__(self, option: str, path: str | Path, rule: str):
        self.option, self.path = option, str(path)
        super().__init__(f"{option} {path}", "", rule)


def label(name: str) -> str:
    """A scenario name made safe as one folder name (a label, never a path)."""
    text = re.sub(r"[^A-Za-z0-9_.\-]+", "-", name).strip(".-")
    return text or "scenario"


def default_out_dir(name: str, suffix: str = "") -> Path:
    """The default output folder for a scenario: ``out/<label><suffix>``."""
    return Path("out") / label(name + suffix)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_staging(target: Path) -> None:
    """Remove staging folders a killed writer left beside ``target`` (only this tool's, only
    of processes that are gone)."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.{_STAGING}-(\d+)-[A-Za-z0-9_]+$")
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for p in siblings:
        m = pattern.match(p.name)
        if not m or not p.is_dir() or p.is_symlink() or _pid_alive(int(m.group(1))):
            continue
        if (p / _STAGING_FLAG).exists() or (p / MARKER).exists():
            shutil.rmtree(p, ignore_errors=True)
        elif not any(p.iterdir()):
            p.rmdir()  # killed between making the folder and flagging it


class OutputFolder:
    """A folder a command is allowed to write, checked before any work is done.

    Parameters
    ----------
    path : path
        The target folder.
    option : str
        How the user named it (``--out``), for error messages.

    Raises
    ------
    OutputError
        When the folder holds someone else's files, is the current folder, lies under a
        file, or cannot be created.
    """

    def __init__(self, path: str | Path, option: str = "--out"):
        self.option, self.shown = option, str(path)
        self.path = Path(os.path.abspath(path))
        self._check_place()
        self.token = self._check_owner()
        self._done = False
        self.staging = self._make_staging()

    def _fail(self, rule: str) -> OutputError:
        return OutputError(self.option, self.shown, rule)

    def _check_place(self) -> None:
        p = self.path
        for parent in reversed(p.parents):
            if parent.exists() and not parent.is_dir():
                raise self._fail(f"cannot be created: {parent} is a file")
        if p.is_symlink():
            raise self._fail("is a symbolic link; name the folder itself")
        if p.exists() and not p.is_dir():
            raise self._fail("exists and is not a folder")
        real, here = os.path.realpath(p), os.path.realpath(os.getcwd())
        if real == here or here.startswith(real.rstrip("/") + "/") or real == "/":
            raise self._fail("is the current folder or holds it; name a new folder for the output")

    def _check_owner(self) -> str | None:
        """The marker's token of an existing folder of ours; None for a new or empty one."""
        if not self.path.is_dir():
            return None
        try:
            empty = not any(self.path.iterdir())
        except OSError as exc:
            raise self._fail(f"cannot be read ({exc.strerror})") from None
        if empty:
            return None
        marker = read_marker(self.path)
        if marker is None:
            files, dirs = listing(self.path)
            raise self._fail(
                f"holds files this tool did not write ({_names(sorted(files | dirs))}); choose a new or empty folder"
            )
        _, dirs = foreign(self.path, marker)
        if dirs:
            raise self._fail(
                f"holds folders this tool did not write ({_names(dirs)}); move them out or choose another folder"
            )
        return str(marker["token"])

    def _make_staging(self) -> Path | None:
        """Make the staging folder now if the parent exists (so an unwritable place is found
        before the work); otherwise check the nearest existing ancestor can take a folder."""
        if not self.path.parent.is_dir():
            ancestor = next(p for p in self.path.parents if p.is_dir())
            try:
                Path(tempfile.mkdtemp(prefix=f".{_STAGING}-probe-", dir=ancestor)).rmdir()
            except OSError as exc:
                raise self._fail(f"cannot be created ({exc.strerror or exc})") from None
            return None
        return self._staging_now()

    def _staging_now(self) -> Path:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            clean_staging(self.path)
            staging = Path(
                tempfile.mkdtemp(prefix=f".{self.path.name}.{_STAGING}-{os.getpid()}-", dir=self.path.parent)
            )
            (staging / _STAGING_FLAG).write_text(f"{os.getpid()}\n", encoding="utf-8")
        except OSError as exc:
            raise self._fail(f"cannot be written ({exc.strerror or exc})") from None
        return staging

    # -- writing -------------------------------------------------------------------------------
    def write(self, fill: Callable[[Path], Any], command: str = "run") -> Any:
        """Let ``fill`` write into the staging folder, then put it in place of the target.

        Returns what ``fill`` returns.  On any failure the staging folder is removed and the
        target is left as it was.
        """
        if self._done:
            raise RuntimeError("this output folder was already written or discarded")
        if self.staging is None:
            self.staging = self._staging_now()
        try:
            value = fill(self.staging)
            self._finish(command)
        except OSError as exc:
            self.discard()
            raise self._fail(f"cannot be written ({exc.strerror or exc})") from None
        except BaseException:
            self.discard()
            raise
        return value

    def discard(self) -> None:
        """Remove the staging folder (nothing was written to the target)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self._done = True

    def _finish(self, command: str) -> None:
        staging = self.staging
        files, _ = listing(staging)
        files.discard(_STAGING_FLAG)
        write_marker(staging, command, files)
        (staging / _STAGING_FLAG).unlink()  # after the marker: a killed writer's folder stays recognisable
        for root, _dirs, names in os.walk(staging):
            publish(Path(root), directory=True)
            for n in names:
                publish(Path(root) / n)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._swap(staging, set(files))
        finally:
            os.close(fd)  # releases the lock
        shutil.rmtree(staging, ignore_errors=True)  # now the old output, if there was one
        self.staging, self._done = None, True

    def _swap(self, staging: Path, new_files: set[str]) -> None:
        """Under the lock: check nobody wrote meanwhile, keep others' files, exchange."""
        now = self._current_token()
        if now != self.token:
            raise self._fail(
                "another run wrote to this folder while this one was running; "
                "nothing was written (run again to replace its output)"
            )
        if not self.path.is_dir():
            os.rename(staging, self.path)
            return
        self._keep_foreign(staging, new_files)
        if not exchange(staging, self.path):
            old = self.path.with_name(f".{self.path.name}.{_STAGING}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            os.replace(self.path, old)  # where renameat2 is missing: a moment without the folder
            os.replace(staging, self.path)
            os.replace(old, staging)

    def _current_token(self) -> str | None:
        if not self.path.is_dir() or not any(self.path.iterdir()):
            return None
        marker = read_marker(self.path)
        return str(marker["token"]) if marker else "not ours"

    def _keep_foreign(self, staging: Path, new_files: set[str]) -> None:
        """Hard-link files others added to our old output into the new one (same data)."""
        marker = read_marker(self.path)
        if marker is None:
            return
        files, dirs = foreign(self.path, marker)
        if dirs:
            raise self._fail(f"holds folders this tool did not write ({_names(dirs)})")
        clash = sorted(set(files) & new_files)
        if clash:
            raise self._fail(f"would replace {_names(clash)}, which this tool did not write; nothing was written")
        for rel in files:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(self.path / rel, staging / rel, follow_symlinks=False)


def staged(
    out_dir: str | Path | OutputFolder, fill: Callable[[Path], Any], command: str = "run", option: str = "out_dir"
) -> Any:
    """Check ``out_dir`` (unless already an :class:`OutputFolder`), let ``fill`` write into a
    staging folder, and put it in place atomically."""
    target = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir, option)
    return target.write(fill, command)


def target_path(out_dir: str | Path | OutputFolder) -> Path:
    """The folder's path as the user gave it."""
    return Path(out_dir.shown) if isinstance(out_dir, OutputFolder) else Path(out_dir)
