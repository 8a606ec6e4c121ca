"""Where sweep batches run: in this process, on a local process pool, or on a Dask cluster.

Each backend maps a function over tasks and yields results as they finish, in whatever
order; the caller keys them by batch, so the order never changes the numbers.  At most a
few tasks per worker are in flight, so a long sweep holds little in memory and stops soon
after an error.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..parallel import Pool, check_workers

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
    """A :class:`sim.parallel.Pool` of ``workers`` processes, all started when this is made
    (before the sweep's progress bar starts a thread; see :mod:`sim.parallel` for how they
    start, and when a script needs a ``__main__`` guard)."""

    def __init__(self, workers: int):
        self.pool = Pool(workers)
        self.workers = self.pool.workers
        self.name = f"a local pool of {workers} processes"

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        # Two batches a worker: each has its next one at hand.
        return self.pool.map_unordered(fn, tasks, ahead=2)

    def close(self) -> None:
        self.pool.close()


class ClusterLost(BackendError):
    """The cluster went away (or dropped a batch) part way through; what is done is kept."""


class DaskCluster:
    """A ``dask.distributed`` cluster reached through its scheduler's address.

    The cluster may grow or shrink while a sweep runs: the number of batches in flight follows
    its current number of worker threads, and while it has none the sweep waits and says so.

    Parameters
    ----------
    address : str
        The scheduler's address, ``tcp://HOST:PORT``.
    timeout : float
        Seconds to wait for the scheduler to answer, the whole greeting included.
    notice : callable, optional
        Called with a one-line message about the cluster (no workers yet, workers joined).
    """

    #: Seconds between two "waiting for workers" notices.
    NOTICE_EVERY = 30.0
    #: Seconds between looks at the cluster's size (and at its scheduler) while batches run.
    POLL = 1.0

    def __init__(self, address: str, timeout: float = 20.0, notice: Callable[[str], None] | None = None):
        if not _ADDRESS.match(address):
            raise BackendError(f"--scheduler {address}: give the scheduler's address as tcp://HOST:PORT")
        try:
            from distributed import Client
        except ImportError:
            raise BackendError("--scheduler: needs dask.distributed; install it with pip install .[dask]") from None
        self.address = address
        self.notice = notice or _to_stderr
        _check_scheduler(address, timeout)
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"--scheduler {address}: cannot connect ({exc})") from None
        # Once the scheduler is gone the client logs its reconnection attempts as tracebacks;
        # the sweep reports the loss in one line instead.
        self._quiet = _DropWhenLost(self.client)
        logging.getLogger("distributed.client").addFilter(self._quiet)
        for name in _CHATTY:
            logging.getLogger(name).addFilter(_DROP_INFO)
        self.workers = self.threads()
        self.name = f"the Dask cluster at {address} ({_threads_text(self.workers)})"

    def threads(self) -> int:
        """The cluster's worker threads now (0 while no worker is connected)."""
        if self.client.status != "running":
            raise self._lost()
        try:
            return sum(self.client.nthreads().values())
        except (OSError, TimeoutError):
            raise self._lost() from None

    def _lost(self) -> ClusterLost:
        return ClusterLost(f"the Dask scheduler at {self.address} went away")

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        import queue

        todo = iter(tasks)
        finished: queue.SimpleQueue = queue.SimpleQueue()
        live: set[Any] = set()
        watch = _Watch(self)
        try:
            while True:
                threads = watch.threads()
                # Two a thread: each worker has its next batch at hand, and workers that join
                # mid-sweep raise the count at the next look.
                for task in _take(todo, 2 * max(1, threads) - len(live)):
                    future = self.client.submit(fn, task, pure=False)
                    future.add_done_callback(finished.put)
                    live.add(future)
                if not live:
                    return
                try:
                    future = finished.get(timeout=self.POLL)
                except queue.Empty:
                    continue
                live.discard(future)
                yield self._result(future)
        finally:
            for future in live:
                future.cancel()

    def _result(self, future: Any) -> Any:
        from distributed.comm import CommClosedError
        from distributed.scheduler import KilledWorker

        if future.cancelled():
            if self.client.status != "running":
                raise self._lost()
            raise ClusterLost(f"the Dask cluster at {self.address} cancelled a batch")
        try:
            result = future.result()
        except KilledWorker as exc:
            raise ClusterLost(f"a batch took down every Dask worker that ran it ({exc})") from None
        except OSError as exc:  # the result comes through the scheduler, which can go in between
            if isinstance(exc, CommClosedError) or self.client.status != "running":
                raise self._lost() from None
            raise
        future.release()
        return result

    def close(self) -> None:
        try:
            # A scheduler that went away leaves nothing to wait for.
            self.client.close(timeout=5 if self.client.status == "running" else 1)
        finally:
            logging.getLogger("distributed.client").removeFilter(self._quiet)
            for name in _CHATTY:
                logging.getLogger(name).removeFilter(_DROP_INFO)


#: Loggers whose information messages (with a traceback when a connection closes) only
#: repeat, at length, what the sweep reports in one line.
_CHATTY = ("distributed.batched", "distributed.comm", "distributed.core")


class _DropInfo(logging.Filter):
    """Keep warnings and errors only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_DROP_INFO = _DropInfo()


class _DropWhenLost(logging.Filter):
    """Drop a client's log records once it has lost its scheduler."""

    def __init__(self, client: Any):
        super().__init__()
        self.client = client

    def filter(self, record: logging.LogRecord) -> bool:
        return self.client.status == "running"


class _Watch:
    """The cluster's size, looked up at most once a second, and the notices about it."""

    def __init__(self, cluster: DaskCluster):
        self.cluster = cluster
        self.checked = self.told = -float("inf")
        self.count = cluster.workers
        self.waited = False

    def threads(self) -> int:
        now = time.monotonic()
        if now - self.checked >= self.cluster.POLL:
            self.count, self.checked = self.cluster.threads(), now
        if self.count == 0 and now - self.told >= self.cluster.NOTICE_EVERY:
            address = self.cluster.address
            self.cluster.notice(
                f"waiting for workers to join the scheduler at {address} (start them with: dask worker {address})"
            )
            self.told, self.waited = now, True
        elif self.count and self.waited:
            self.cluster.notice(f"workers joined: {_threads_text(self.count)}")
            self.told, self.waited = -float("inf"), False
        return self.count


def _threads_text(threads: int) -> str:
    return "no workers yet" if threads == 0 else f"{threads} worker thread{'s' * (threads != 1)}"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _check_scheduler(address: str, timeout: float) -> None:
    """Ask ``address`` who it is, within ``timeout`` seconds in all.

    ``distributed.Client`` bounds the TCP connection but not the greeting that follows, so a
    port that accepts connections and never answers (a web server, a dashboard, anything but
    a scheduler) would hang it; a thread with a deadline bounds the whole exchange.
    """
    outcome: dict[str, Any] = {}

    def ask() -> None:
        try:
            # connect() gives up by itself after `timeout` (connection refused, say); the deadline a
            # second later bounds the greeting, which connect() waits for without one.
            outcome["reply"] = asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout + 1))
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=ask, name="dask-scheduler-check", daemon=True)
    thread.start()
    thread.join(timeout + 6)
    error, reply = outcome.get("error"), outcome.get("reply")
    silent = f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s"
    if thread.is_alive() or isinstance(error, TimeoutError | asyncio.TimeoutError):
        raise BackendError(silent)
    if error is not None:
        raise BackendError(f"{silent} ({_reason(error)})")
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        what = reply.get("type") if isinstance(reply, dict) else None
        raise BackendError(
            f"--scheduler {address}: that is a Dask {what.lower()}, not a scheduler"
            if what
            else f"{silent} (something else answered)"
        )


async def _identity(address: str, timeout: float) -> Any:
    from distributed import Security
    from distributed.comm import connect

    # The same connection settings (TLS included) as the client's.
    comm = await connect(address, timeout=timeout, **Security().get_connection_args("client"))
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def _reason(exc: BaseException) -> str:
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 5:
        chain.append(chain[-1].__cause__)
    if any(isinstance(e, ConnectionRefusedError) or "ConnectionRefusedError" in str(e) for e in chain):
        return "connection refused"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 100 else text[:97] + "..."


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        item = next(it, None)
        if item is None:
            break
        out.append(item)
    return out


def backend(workers: int = 1, scheduler: str | None = None, notice: Callable[[str], None] | None = None):
    """The backend for ``workers`` local processes, or the Dask cluster at ``scheduler``
    (``notice`` receives its one-line messages about the cluster's workers)."""
    if scheduler:
        return DaskCluster(scheduler, notice=notice)
    return InProcess() if check_workers(workers) == 1 else LocalPool(workers)
