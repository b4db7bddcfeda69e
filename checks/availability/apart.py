"""This year's KPI figures computed in a forked child process, off the daemon's GIL.

Why: with 10,000 checks, ``AvailabilityService.refresh_year`` (at start and every 600 s)
is seconds of pure-Python interval arithmetic plus the ORM reads of a year's rows. In a
thread of the daemon it held the GIL for most of that time, so the event loop, the probe
workers' results and every ``/metrics`` scrape waited behind it: live /metrics p50 823 ms,
p99 8.0 s (10,000 checks, load ~26 on 2 CPUs), 57 % of the daemon's samples in that thread.

1. The child is a ``fork`` of the daemon made by the job's thread: it inherits the settings
   as they are in memory (no reload, no pickling of the config), opens its *own* database
   engine (never the parent's pooled connections), reads and computes, sends the pickled
   result back over a pipe and leaves with ``os._exit`` (no atexit, no inherited handlers).
2. The parent's thread waits on the pipe (GIL released) and unpickles the figures.
3. Anything going wrong in the child (an exception, a crash, no answer within
   ``TIMEOUT_SECONDS``) is logged once per refresh and the figures are computed in-process,
   as before, so the cache is never left empty because of this path; except when the
   child was stopped by SIGTERM/SIGINT (the whole service is stopping): then the refresh
   fails like any job interrupted by a stop.
Only from ``MIN_CHECKS`` configured checks on (a small office's figures take milliseconds,
and the test suite's injected state stays in one process).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

MIN_CHECKS = 500
TIMEOUT_SECONDS = 900.0


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_apart(compute: Callable[[], T], timeout: float = TIMEOUT_SECONDS) -> T:
    """``compute()`` in a forked child; its (picklable) result here. Raises on failure."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only this thread exists here
        code = 0
        try:
            _as_child()
            os.close(read_end)
            try:
                data = pickle.dumps((True, compute()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - told to the parent, which logs it
                data = pickle.dumps((False, f"{type(exc).__name__}: {exc}"))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        os._exit(code)
    os.close(write_end)
    try:
        data = _read_all(read_end, time.monotonic() + timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if not data:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGTERM, signal.SIGINT):
            raise Interrupted("the child computing the figures was stopped")
        raise RuntimeError("the child computing the figures exited without an answer")
    ok, value = pickle.loads(data)  # noqa: S301 - our own child's bytes
    if not ok:
        raise RuntimeError(value)
    return value  # type: ignore[no-any-return]


class Interrupted(RuntimeError):
    """The child was stopped by SIGTERM/SIGINT (the daemon's cgroup is stopping): no retry."""


def _as_child() -> None:
    """The daemon's signal plumbing is not the child's: asyncio's wakeup fd would tell the
    parent's loop of the child's signals. A stop (SIGTERM/SIGINT) ends the child at once;
    a reload (SIGHUP) is the daemon's business."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _read_all(fd: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the child computing the figures did not answer in time")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
