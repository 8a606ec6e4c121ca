"""Where sweep batches run: in this process, on a local process pool, or on a Dask cluster.

Each backend maps a function over tasks and yields results as they finish, in whatever
order; the caller keys them by batch, so the order never changes the numbers.  At most a
few tasks per worker are in flight, so a long sweep holds little in memory and stops soon
after an error.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_ADDRESS = re.compile(r"^(tcp|tls)://[^\s:/]+:\d{1,5}$")


class BackendError(RuntimeError):
    """A backend cannot be used; the message names the option and the reason."""


class InProcess:
    """Run batches one after another in this process (``workers=1``)."""

    workers = 1
    name = "this process"

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class LocalPool:
    """A ``ProcessPoolExecutor`` of ``workers`` processes.

    On Linux the workers are forked, all at once when the pool is made (before a progress bar
    or anything else starts a thread), so that they need not import the caller's script:
    a plain script or notebook can call :func:`sim.sweep` without a ``__main__`` guard.
    Elsewhere they are spawned, and scripts need the usual guard.
    """

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        self.name = f"a local pool of {workers} processes"
        method = "fork" if sys.platform == "linux" else "spawn"
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
        # With fork, the first task starts every worker; wait for it so none forks later.
        self.pool.submit(int).result()

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        todo = iter(tasks)
        running = set()
        try:
            while True:
                while len(running) < 2 * self.workers:
                    task = next(todo, None)
                    if task is None:
                        break
                    running.add(self.pool.submit(fn, task))
                if not running:
                    return
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """A ``dask.distributed`` cluster reached through its scheduler's address."""

    def __init__(self, address: str, timeout: float = 20.0):
        if not _ADDRESS.match(address):
            raise BackendError(f"--scheduler {address}: give the scheduler's address as tcp://HOST:PORT")
        try:
            from distributed import Client
        except ImportError:
            raise BackendError("--scheduler: needs dask.distributed; install it with "
                               "pip install .[dask]") from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"--scheduler {address}: cannot connect ({exc})") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.name = f"the Dask cluster at {address} ({self.workers} worker threads)"

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        todo = iter(tasks)
        live = {self.client.submit(fn, t, pure=False) for t in _take(todo, 2 * self.workers)}
        if not live:
            return
        pending = as_completed(list(live), loop=self.client.loop)
        try:
            for future in pending:
                result = future.result()
                live.discard(future)
                future.release()
                task = next(todo, None)
                if task is not None:
                    new = self.client.submit(fn, task, pure=False)
                    live.add(new)
                    pending.add(new)
                yield result
        finally:
            for future in live:
                future.cancel()

    def close(self) -> None:
        self.client.close()


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        item = next(it, None)
        if item is None:
            break
        out.append(item)
    return out


def backend(workers: int = 1, scheduler: str | None = None):
    """The backend for ``workers`` local processes, or the Dask cluster at ``scheduler``."""
    if scheduler:
        return DaskCluster(scheduler)
    if workers < 1:
        raise BackendError(f"--workers must be >= 1 (got {workers})")
    return InProcess() if workers == 1 else LocalPool(workers)
