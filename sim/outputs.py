"""Writing results to disk without ever losing anyone's files.

Rules every command follows (``run``, ``claims``, ``calibrate``, the sweep's folder):

- A command writes only into a folder that is new, empty, or its own from an earlier run (it
  carries the marker file :data:`MARKER`, which lists what the tool wrote there).  Anything
  else is refused with one line before any work is done.
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

import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .yamlfile import InputError

if TYPE_CHECKING:
    from .estimates import Estimates
    from .results import Result

#: The file that marks a folder as written by this tool, with the list of what it wrote.
MARKER = ".sim-output.json"
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(path: Path, directory: bool = False) -> None:
    """Give a temporary file or folder the permissions a plain create would have had
    (``tempfile`` makes them private to the owner)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def atomic_write(path: Path, write: Callable[[Path], None], durable: bool = False) -> Path:
    """Write one file through a temporary sibling and ``os.replace``; with ``durable`` the
    data reach the disk before the rename (results that must survive a power cut)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        _publish(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


# -- whose folder is it ---------------------------------------------------------------------------


def _listing(folder: Path) -> tuple[set[str], set[str]]:
    """Relative paths of the files and of the folders under ``folder``."""
    files, dirs = set(), set()
    for root, subdirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        dirs.update(str(rel / d) for d in subdirs)
        files.update(str(rel / n) for n in names)
    return files, dirs


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
    files, dirs = _listing(folder)
    if dirs or files != set(map(str, listed)):
        return None
    return {"files": sorted(files), "token": "legacy"}


def _foreign(folder: Path, marker: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Files and folders under ``folder`` that the marker does not list (someone else's)."""
    files, dirs = _listing(folder)
    ours = set(map(str, marker["files"])) | {MARKER}
    our_dirs = {str(p) for f in ours for p in Path(f).parents if str(p) != "."}
    return sorted(files - ours), sorted(dirs - our_dirs)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


# -- one atomic exchange of two folders ------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


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
        marker = _read_marker(self.path) or _legacy_marker(self.path)
        if marker is None:
            files, dirs = _listing(self.path)
            raise self._fail(f"holds files this tool did not write ({_names(sorted(files | dirs))}); "
                             "choose a new or empty folder")
        _, dirs = _foreign(self.path, marker)
        if dirs:
            raise self._fail(f"holds folders this tool did not write ({_names(dirs)}); "
                             "move them out or choose another folder")
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
            staging = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.{_STAGING}-{os.getpid()}-",
                                            dir=self.path.parent))
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
        files, _ = _listing(staging)
        files.discard(_STAGING_FLAG)
        marker = {"written_by": "sim", "command": command, "token": uuid.uuid4().hex, "files": sorted(files)}
        (staging / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        (staging / _STAGING_FLAG).unlink()  # after the marker: a killed writer's folder stays recognisable
        for root, _dirs, names in os.walk(staging):
            _publish(Path(root), directory=True)
            for n in names:
                _publish(Path(root) / n)
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
            raise self._fail("another run wrote to this folder while this one was running; "
                             "nothing was written (run again to replace its output)")
        if not self.path.is_dir():
            os.rename(staging, self.path)
            return
        self._keep_foreign(staging, new_files)
        if not _exchange(staging, self.path):
            old = self.path.with_name(f".{self.path.name}.{_STAGING}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            os.replace(self.path, old)  # where renameat2 is missing: a moment without the folder
            os.replace(staging, self.path)
            os.replace(old, staging)

    def _current_token(self) -> str | None:
        if not self.path.is_dir() or not any(self.path.iterdir()):
            return None
        marker = _read_marker(self.path) or _legacy_marker(self.path)
        return str(marker["token"]) if marker else "not ours"

    def _keep_foreign(self, staging: Path, new_files: set[str]) -> None:
        """Hard-link files others added to our old output into the new one (same data)."""
        marker = _read_marker(self.path) or _legacy_marker(self.path)
        if marker is None:
            return
        files, dirs = _foreign(self.path, marker)
        if dirs:
            raise self._fail(f"holds folders this tool did not write ({_names(dirs)})")
        clash = sorted(set(files) & new_files)
        if clash:
            raise self._fail(f"would replace {_names(clash)}, which this tool did not write; nothing was written")
        for rel in files:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(self.path / rel, staging / rel, follow_symlinks=False)


def staged(out_dir: str | Path | OutputFolder, fill: Callable[[Path], Any], command: str = "run",
           option: str = "out_dir") -> Any:
    """Check ``out_dir`` (unless already an :class:`OutputFolder`), let ``fill`` write into a
    staging folder, and put it in place atomically."""
    target = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir, option)
    return target.write(fill, command)


def target_path(out_dir: str | Path | OutputFolder) -> Path:
    """The folder's path as the user gave it."""
    return Path(out_dir.shown) if isinstance(out_dir, OutputFolder) else Path(out_dir)


# -- a run's files --------------------------------------------------------------------------------


def resolved_yaml(result: Result) -> str:
    data = result.scenario.dump()
    data["seed"], data["reps"] = result.seed, result.reps
    head = (f"# Resolved scenario written by sim {result.version}; run it again with the same\n"
            f"# seed ({result.seed}) and reps ({result.reps}) to get the same numbers.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_run(result: Result, out_dir: str | Path | OutputFolder, plot: bool = True,
              extra: dict[str, Any] | None = None, estimates: Estimates | None = None) -> list[Path]:
    """Write the resolved scenario, tables, JSON summary and plots of a run into ``out_dir``
    (with ``estimates``, reported figures are drawn on the fan charts)."""
    shown = target_path(out_dir)

    def fill(d: Path) -> list[Path]:
        files = [
            _text(d / "scenario.yaml", resolved_yaml(result)),
            _frame(d / "quantiles.csv", result.quantiles),
            _frame(d / "thresholds.csv", result.thresholds),
            _frame(d / "crossing.csv", result.crossing),
        ]
        summary = result.summary()
        if extra:
            summary.update(extra)
        if plot:
            files += write_plots(result, d, estimates)
        summary["files"] = sorted([f.name for f in files] + ["summary.json"])
        files.append(_text(d / "summary.json", json.dumps(summary, indent=2, default=str) + "\n"))
        return [shown / f.name for f in files]

    return staged(out_dir, fill, "run")


def write_plots(result: Result, d: Path, estimates: Estimates | None = None) -> list[Path]:
    """``fan.png`` (effective strength), ``fan-casualties.png`` when there are reported
    casualty figures to show against it, and ``crossing.png`` when there are thresholds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    panels = [("fan.png", "effective")]
    if estimates is not None and len(estimates.overlay("casualties")):
        panels.append(("fan-casualties.png", "casualties"))
    for name, measure in panels:
        over = estimates.overlay(measure) if estimates is not None else None
        ax = result.plot(measure, estimates=over)
        out.append(d / name)
        ax.figure.savefig(out[-1], dpi=120)
        plt.close(ax.figure)
    if len(result.thresholds):
        ax = result.plot_crossing()
        out.append(d / "crossing.png")
        ax.figure.savefig(out[-1], dpi=120)
        plt.close(ax.figure)
    return out


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _frame(path: Path, frame) -> Path:
    frame.to_csv(path, index=False, float_format="%.6g")
    return path
