"""Reading a text file safely: a regular file (never a device, pipe or socket, which could
block or never end), at most :data:`MAX_FILE_BYTES`, UTF-8, each failure one line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

#: Largest file read: fifty times the largest estimates file, and small enough that the
#: pure-Python YAML reader (half a megabyte a second at worst) answers within seconds.
MAX_FILE_BYTES = 1024 * 1024


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def read_text(path: str | Path, what: str = "scenario", limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes.

    Raises
    ------
    InputError
        One line: no such file, a directory, a device or pipe, too large, unreadable, not UTF-8.
    """
    src = str(path)
    try:
        # Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(src, "", f"no such {what} file") from None
    except IsADirectoryError:
        raise InputError(src, "", f"is a directory, not {_article(what)} {what} file") from None
    except (OSError, ValueError) as exc:
        raise InputError(src, "", f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(src, "", f"is a directory, not {_article(what)} {what} file")
        if not stat.S_ISREG(mode):
            raise InputError(src, "", f"is a device, pipe or socket, not {_article(what)} {what} file")
        # One byte over the limit tells a file at the limit from a larger one, without
        # trusting the size the file system reports.
        raw = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise InputError(src, "", f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise InputError(src, "", f"is larger than {_size(limit)}, the limit for {_article(what)} {what} file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(src, "", "is not UTF-8 text") from None


def _read_at_most(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n:,} bytes"
