"""Local worker processes: the one place that starts them, and the rules they follow.

``sim.run`` (blocks of replications in lock step), the sweep's local pool (batches of points)
and the calibration's simulator (walkers) all start their processes here, so they share:

* **One start method.**  Workers are forked on Linux when the calling process runs no other
  Python thread, and spawned otherwise (macOS, Windows, or once a progress bar, a Jupyter
  kernel or an earlier pool has started a thread).

  - Fork lets a plain script or a notebook without an ``if __name__ == "__main__":`` guard use
    workers: a forked worker starts as a copy of the caller and never imports the caller's
    script, where a spawned one imports it again (and, without the guard, would run it again).
    Forking is also quick: nothing is imported or pickled to start a worker.
  - Fork is safe only while no other thread can hold a lock the worker would need, so the
    workers start before any thread exists: :class:`Pool` starts all of its workers when it is
    made, and callers make their pools before they start a progress bar.  Native thread pools
    (OpenBLAS's) are fork-aware and do not count; Python 3.12 and later warn about them all
    the same, and that warning is silenced here.
  - Spawned workers import :mod:`sim` afresh and receive their arguments pickled.  They work
    in a notebook, since the work they run is in this package, but a script must keep its
    calls behind the ``__main__`` guard.  macOS can fork but its system libraries are not
    fork-safe, hence spawn there (Python's own default).

* **One worker count.**  :func:`available_cpus` (the CPUs this process may run on, which can
  be fewer than the machine has) is the default, and :func:`check_workers` the one check of a
  count, against :data:`MAX_WORKERS`.

The start method, the worker count and the order in which results arrive never change the
numbers: each caller decides which random streams a piece of work uses, and puts the pieces
back in order.
"""

from __future__ import annotations

import ctypes
import operator
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import InputError

#: The most worker processes any command or function starts.
MAX_WORKERS = 256


def available_cpus() -> int:
    """The number of CPUs this process may run on: its CPU affinity where the platform has one
    (a container or ``taskset`` may allow fewer than the machine has), else the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity on this platform
        return os.cpu_count() or 1


def check_workers(n: int | None, option: str = "--workers") -> int:
    """The number of worker processes to use: ``n`` once checked, or all available CPUs (at
    most :data:`MAX_WORKERS`) when ``n`` is None.

    Parameters
    ----------
    n : int or None
        The requested number of workers.
    option : str
        The option or argument to name in the error.

    Returns
    -------
    int

    Raises
    ------
    InputError
        ``n`` is not a whole number between 1 and :data:`MAX_WORKERS` (one-line message).
    """
    if n is None:
        return min(available_cpus(), MAX_WORKERS)
    try:
        n = operator.index(n)
    except TypeError:
        raise InputError(option, "workers", f"must be a whole number (got {n!r})") from None
    if not 1 <= n <= MAX_WORKERS:
        raise InputError(option, "workers", f"must be between 1 and {MAX_WORKERS} (got {n})")
    return n


def start_method() -> str:
    """``"fork"`` on Linux while this process runs no other Python thread, else ``"spawn"``."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def context():
    """The :mod:`multiprocessing` context of :func:`start_method`, decided now."""
    import multiprocessing

    return multiprocessing.get_context(start_method())


@contextmanager
def _starting(method: str) -> Iterator[None]:
    """Start processes without Python 3.12's warning about forking a process that has threads:
    the only threads then are native pools that handle fork themselves (see the module)."""
    with warnings.catch_warnings():
        if method == "fork":
            warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
        yield


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel end this worker when the process that started it dies, so a
    killed run never leaves workers behind waiting for work that will not come."""
    if sys.platform != "linux":
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _worker_start(parent: int, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    _die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def _process_main(parent: int, target: Callable[..., Any], *args: Any) -> None:
    _die_with_parent(parent)
    target(*args)


def start_processes(target: Callable[..., Any], args: list[tuple]) -> list:
    """Start one daemon process per tuple of ``args``, each running ``target(*args[i])``, all
    with the same start method; if one cannot start, those already started are killed.

    Returns
    -------
    list of multiprocessing.Process
    """
    ctx = context()
    procs = []
    try:
        with _starting(ctx.get_start_method()):
            for a in args:
                proc = ctx.Process(target=_process_main, args=(os.getpid(), target, *a), daemon=True)
                proc.start()
                procs.append(proc)
    except BaseException:
        for proc in procs:
            proc.kill()
            proc.join()
        raise
    return procs


class Pool:
    """A pool of ``workers`` processes, every one started when the pool is made.

    Parameters
    ----------
    workers : int
        Worker processes (checked by :func:`check_workers`).
    initializer : callable, optional
        Called in each worker as it starts, with ``initargs``.
    initargs : tuple
        Arguments of ``initializer`` (pickled when the workers are spawned).

    Attributes
    ----------
    workers : int
        The number of worker processes.
    method : str
        How they were started: ``"fork"`` or ``"spawn"``.
    """

    def __init__(self, workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
        from concurrent.futures import ProcessPoolExecutor

        self.workers = check_workers(workers)
        ctx = context()
        self.method = ctx.get_start_method()
        self._executor = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_worker_start, initargs=(os.getpid(), initializer, initargs)
        )
        with _starting(self.method):
            # The first task starts every worker (forked ones all at once, spawned ones here too
            # so that a broken start shows now), before the pool's own thread starts.
            try:
                for future in [self._executor.submit(int) for _ in range(self.workers)]:
                    future.result()
            except BaseException:
                self.close()
                raise

    def submit(self, fn: Callable[..., Any], *args: Any):
        """Run ``fn(*args)`` in a worker; returns its :class:`concurrent.futures.Future`."""
        return self._executor.submit(fn, *args)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[fn(x) for x in items]``, computed in the workers, in the order of ``items``."""
        return list(self._executor.map(fn, items))

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any], ahead: int = 2) -> Iterator[Any]:
        """``fn(x)`` for each of ``items`` as the workers finish them, in whatever order.

        At most ``ahead`` items per worker are in flight, so a long run holds little in memory
        and stops soon after an error (the first error is raised; items not yet started are
        cancelled, as they are when the caller stops iterating).
        """
        from concurrent.futures import FIRST_COMPLETED, wait

        todo = iter(items)
        running: set = set()
        try:
            while True:
                while len(running) < ahead * self.workers:
                    item = next(todo, _END)
                    if item is _END:
                        break
                    running.add(self._executor.submit(fn, item))
                if not running:
                    return
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        """Cancel the work not yet started, wait for the rest and stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_END = object()
