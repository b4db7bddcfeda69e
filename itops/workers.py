"""Probes in worker processes: one per core, checks sharded by a stable hash of their name.

Why: one Python process probes on one core, while blackbox_exporter (Go) uses both; the
measurement and the decision are in ``bench/bench_checks.py``'s notes and the commit.

1. Each worker is ``python -m itops.workers FD …``, with one end of a socket pair: no fork
   of a threaded daemon, no re-import of the daemon's ``__main__``.
2. The main process sends ``("schedule", [(kind class, spec), …])`` (at start and on SIGHUP) and
   ``("stop", deadline)``; the worker runs its own :class:`~itops.engine.CheckEngine` over
   its shard and sends ``("results", [ProbeResult, …], ProbeCounts)`` in small batches.
3. The main process hands the results to the sinks (live state, outage tracker …), so all
   state and all database writes stay in one process; the counters of each worker are
   summed into the daemon's ``ProbeStats``.
4. A worker ignores SIGTERM/SIGINT/SIGHUP (systemd signals the whole cgroup): the main
   process tells it to drain. It exits when its pipe closes (the daemon died). A worker that
   dies is restarted with its shard (logged once per death).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from itops.check import Check, KindSpec, Options
from itops.state import ProbeStats
from itops.status import ProbeResult

if TYPE_CHECKING:
    from itops.context import AppContext
    from itops.engine import CheckEngine
    from itops.runner import CheckRunner

logger = logging.getLogger(__name__)

BATCH_SECONDS = 0.02  # results wait at most this long in a worker before they are sent
BATCH_SIZE = 500


def shard(name: str, count: int) -> int:
    """The worker (0 … count-1) that probes check ``name``; stable across restarts."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


class _Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.configs: list[Planned] = []
        self.stopped: asyncio.Future[int] | None = None
        self.ready = False  # has told us it probes (a worker still starting is just ended)


Planned = tuple[str, KindSpec]
"""What crosses to a worker for one check: its class ("module:Class") and its spec."""


def _planned(check: Check[Any]) -> Planned:
    cls = type(check)
    return f"{cls.__module__}:{cls.__qualname__}", check.config


def _built(path: str, spec: KindSpec) -> Check[Any]:
    """The check again, in the worker: whichever feature's kind it is, the core needs no
    table of kinds (the class travels by name, the spec by pickle)."""
    import importlib

    module, _, name = path.partition(":")
    cls: type[Check[Any]] = getattr(importlib.import_module(module), name)
    return cls(spec)


class WorkerPool:
    """Same surface as :class:`~itops.engine.CheckEngine` (schedule, start, stop, drain)."""

    def __init__(
        self,
        count: int,
        max_concurrency: int,
        stats: ProbeStats,
        submit: Callable[[ProbeResult], None],
        log_level: str = "INFO",
    ) -> None:
        self.count = count
        # The bound is the daemon's, shared out: each worker gets its part.
        self.per_worker = max(1, -(-max_concurrency // count))
        self.stats = stats
        self.submit = submit
        self.log_level = log_level
        self._workers = [_Worker(i) for i in range(count)]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False

    def schedule(self, checks: Iterable[Check[Options]]) -> None:
        shards: list[list[Planned]] = [[] for _ in range(self.count)]
        for check in checks:
            shards[shard(check.name, self.count)].append(_planned(check))
        self.stats.expect({spec.kind for configs in shards for _, spec in configs})
        for worker, configs in zip(self._workers, shards, strict=True):
            worker.configs = configs
            self._send(worker, ("schedule", configs))

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for worker in self._workers:
            self._spawn(worker)

    def stop(self) -> None:
        """Nothing to do at once: :meth:`drain` tells the workers to stop and waits."""

    async def drain(self, deadline: float) -> int:
        """Tell every worker to stop probing, wait for its last results; probes cancelled."""
        self._closing = True
        loop = asyncio.get_running_loop()
        waits = []
        for worker in self._workers:
            if worker.conn is not None and not worker.ready and worker.proc is not None:
                worker.proc.kill()  # still importing: it has not probed anything yet
            elif worker.conn is not None:
                worker.stopped = loop.create_future()
                waits.append(worker.stopped)
                self._send(worker, ("stop", deadline))
        cancelled = 0
        if waits:
            done, late = await asyncio.wait(waits, timeout=deadline + 2)
            cancelled = sum(f.result() for f in done) + len(late)
        for worker in self._workers:
            self._close(worker)
        return cancelled

    @property
    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._workers if w.proc is not None]

    # -- plumbing -------------------------------------------------------------------------

    def _spawn(self, worker: _Worker) -> None:
        loop = self._loop
        if loop is None:
            return
        parent, child = socket.socketpair()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        worker.ready = False
        worker.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "itops.workers",
                str(child.fileno()),
                str(worker.index),
                str(self.per_worker),
                self.log_level,
            ],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        child.close()
        worker.conn = Connection(parent.detach())
        loop.add_reader(worker.conn.fileno(), self._readable, worker)
        self._send(worker, ("schedule", worker.configs))

    def _send(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        if worker.conn is None:
            return
        try:
            worker.conn.send(message)
        except OSError:
            pass  # the reader sees the end of the pipe and handles the death

    def _readable(self, worker: _Worker) -> None:
        conn = worker.conn
        if conn is None:
            return
        try:
            message = conn.recv()
        except (EOFError, OSError):
            self._died(worker)
            return
        worker.ready = True
        if message[0] == "results":
            _, results, counts = message
            for result in results:
                self.submit(result)
            self.stats.absorb(worker.index, counts)
        elif message[0] == "stopped":
            _, cancelled, counts = message
            self.stats.absorb(worker.index, counts)
            if worker.stopped is not None and not worker.stopped.done():
                worker.stopped.set_result(cancelled)

    def _died(self, worker: _Worker) -> None:
        code = worker.proc.poll() if worker.proc else None
        self._close(worker)
        self.stats.retire(worker.index)
        if worker.stopped is not None and not worker.stopped.done():
            worker.stopped.set_result(0)
        if self._closing:
            return
        logger.error("probe worker %d exited (code %s); starting it again", worker.index, code)
        if self._loop is not None:
            self._loop.call_later(1.0, self._restart, worker)

    def _restart(self, worker: _Worker) -> None:
        if not self._closing and worker.conn is None:
            self._spawn(worker)

    def _close(self, worker: _Worker) -> None:
        if worker.conn is not None:
            if self._loop is not None:
                self._loop.remove_reader(worker.conn.fileno())
            worker.conn.close()
            worker.conn = None
        if worker.proc is not None:
            try:
                worker.proc.wait(2)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
            worker.proc = None


AUTO_MIN_CHECKS = 500
"""With ``workers`` unset, probe in worker processes only from this many checks on: a small
office's few dozen checks need a fraction of one core, and each worker costs ~60 MiB."""


def worker_count(setting: int | None, clock: object, checks: int = AUTO_MIN_CHECKS) -> int:
    """``[daemon] workers``: None = one per core on a machine with more than one core once
    there are ``AUTO_MIN_CHECKS`` checks; 0 = probe in the daemon itself. An injected (test)
    clock cannot cross a process: 0 then."""
    from itops.clock import SystemClock

    if not isinstance(clock, SystemClock):
        return 0
    if setting is not None:
        return setting
    if checks < AUTO_MIN_CHECKS:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores if cores and cores > 1 else 0


def build_engine(ctx: AppContext, runner: CheckRunner, checks: int) -> CheckEngine | WorkerPool:
    """The daemon's check engine: in this process, or a pool of probe workers (decided at
    start; a reload keeps the mode)."""
    from itops.engine import CheckEngine

    daemon = ctx.settings.daemon
    count = worker_count(daemon.workers, ctx.clock, checks)
    if count == 0:
        return CheckEngine(runner, ctx.state.probes, daemon.max_concurrency)
    logger.info("probing in %d worker processes", count)
    return WorkerPool(
        count, daemon.max_concurrency, ctx.state.probes, runner.submit, daemon.log_level
    )


# -- the worker process ---------------------------------------------------------------------


async def _serve(conn: Connection, max_concurrency: int) -> None:
    from itops.clock import SystemClock
    from itops.engine import CheckEngine
    from itops.runner import CheckRunner

    loop = asyncio.get_running_loop()
    outbox: list[ProbeResult] = []
    flushed = asyncio.Event()

    class Outbox:
        def submit(self, result: ProbeResult) -> None:
            outbox.append(result)
            if len(outbox) == 1:
                loop.call_later(BATCH_SECONDS, flushed.set)
            elif len(outbox) >= BATCH_SIZE:
                flushed.set()

    stats = ProbeStats()
    runner = CheckRunner(SystemClock(), max_concurrency, [Outbox()])
    engine = CheckEngine(runner, stats, max_concurrency)
    inbox: asyncio.Queue[tuple[Any, ...] | None] = asyncio.Queue()

    def readable() -> None:
        try:
            inbox.put_nowait(conn.recv())
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            inbox.put_nowait(None)

    def send_results() -> None:
        if outbox:
            batch = outbox[:]
            outbox.clear()
            conn.send(("results", batch, stats.snapshot()))

    async def sender() -> None:
        while True:
            await flushed.wait()
            flushed.clear()
            send_results()

    loop.add_reader(conn.fileno(), readable)
    frozen = False
    sending = asyncio.create_task(sender())
    engine.start()
    while True:
        message = await inbox.get()
        if message is None:  # the daemon is gone: nobody would take the results
            engine.stop()
            return
        if message[0] == "schedule":
            engine.schedule([_built(path, spec) for path, spec in message[1]])
            if not frozen:  # the imports and checks stay; keep them out of every gc scan
                gc.freeze()
                frozen = True
                conn.send(("ready",))
        elif message[0] == "stop":
            engine.stop()
            cancelled = await runner.drain(float(message[1]))
            sending.cancel()
            send_results()
            conn.send(("stopped", cancelled, stats.snapshot()))
            return


def main(argv: list[str]) -> None:
    fd, index, concurrency, level = int(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    fmt = "%(levelname)s %(name)s: %(message)s"  # as itops.cli.setup_logging, without click
    if not os.environ.get("JOURNAL_STREAM"):
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr, force=True)
    conn = Connection(fd)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        asyncio.run(_serve(conn, concurrency))
    logger.debug("probe worker %d stopped", index)


if __name__ == "__main__":
    main(sys.argv[1:])
