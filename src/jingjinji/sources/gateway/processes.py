"""Several gateway processes on one port (`jjj sources gateway --processes N`).

Each worker is a forked process with its own event loop, its own listening socket bound with
SO_REUSEPORT to the same host:port (Linux hands each new connection to one of them), its own
NATS connection and its own registry directory; its counters carry the gateway's name with the
suffix ``-1``, ``-2``... so the counters page shows each. The parent only supervises: it holds
the port (a bound socket with SO_REUSEPORT that never listens, so that a restarted worker binds
the same port again), restarts a worker that dies (logged, with a growing pause if it keeps
dying at once) and on SIGTERM or SIGINT stops them all with SIGTERM, each closing gracefully
(acknowledged publishes still answered). docs/sources.md, "Gateway", says what it measured."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.process import BaseProcess

from jingjinji.sources.gateway.directory import DirectoryLoader
from jingjinji.sources.gateway.runner import new_event_loop, run_until_signalled
from jingjinji.sources.gateway.server import GatewayConfig
from jingjinji.sources.stream import StreamNames

log = logging.getLogger("jingjinji.sources.gateway")

#: A worker that dies within this many seconds of its start is restarted after a pause.
QUICK_DEATH_SECONDS = 5.0
#: The longest pause before restarting a worker that keeps dying at once.
MAX_RESTART_PAUSE = 30.0


def max_processes() -> int:
    """The most worker processes allowed: four per CPU."""
    return (os.cpu_count() or 1) * 4


def check_process_count(count: int) -> None:
    """Raise ValueError, saying why, unless 1 <= ``count`` <= four per CPU."""
    limit = max_processes()
    if count < 1 or count > limit:
        raise ValueError(
            f"--processes must be between 1 and {limit} (4 per CPU, {os.cpu_count()} CPUs); "
            f"got {count}"
        )


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound with SO_REUSEPORT to ``host``:``port`` that never listens: it fails here,
    clearly, when the address is taken or wrong, picks the port when ``port`` is 0, and keeps
    it for the workers (also across restarts). Only listening sockets get connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class Supervisor:
    """``count`` forked workers running ``target(index)`` (index from 1), restarted when they
    die until :meth:`stop`."""

    def __init__(self, count: int, target: Callable[[int], None], *, label: str = "gateway"):
        self._count = count
        self._target = target
        self._label = label
        self._context = multiprocessing.get_context("fork")
        self.workers: dict[int, BaseProcess] = {}
        self._started_at: dict[int, float] = {}
        self._quick_deaths: dict[int, int] = {}
        self._due: dict[int, float] = {}  # index -> when to start it again
        self.restarts = 0
        # Set by a signal handler: Ctrl-C reaches the workers too, and they are not restarted.
        self.stopping = False

    def _run(self, index: int) -> None:
        # The parent's handlers are inherited by fork: the worker's loop installs its own.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        self._target(index)

    def _start(self, index: int) -> None:
        worker = self._context.Process(
            target=self._run, args=(index,), name=f"{self._label}-{index}", daemon=False
        )
        worker.start()
        self.workers[index] = worker
        self._started_at[index] = time.monotonic()
        log.info("%s process %d started (pid %s)", self._label, index, worker.pid)

    def start(self) -> None:
        for index in range(1, self._count + 1):
            self._start(index)

    def check(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a worker to die; restart the dead ones (at once,
        or after a pause doubling up to 30 s while one dies within 5 s of its start)."""
        alive = {w.sentinel: i for i, w in self.workers.items() if i not in self._due}
        now = time.monotonic()
        wait = min([timeout, *(max(0.0, at - now) for at in self._due.values())])
        for sentinel in multiprocessing.connection.wait(list(alive), wait):
            if self.stopping:
                return
            index = alive[sentinel]  # type: ignore[index]
            worker = self.workers[index]
            worker.join()
            lived = time.monotonic() - self._started_at[index]
            quick = self._quick_deaths.get(index, 0) + 1 if lived < QUICK_DEATH_SECONDS else 0
            self._quick_deaths[index] = quick
            pause = 0.0 if quick <= 1 else min(MAX_RESTART_PAUSE, 2.0 ** (quick - 1))
            log.warning(
                "%s process %d (pid %s) died (exit code %s) after %.1f s; restarting it%s",
                self._label,
                index,
                worker.pid,
                worker.exitcode,
                lived,
                f" in {pause:.0f} s" if pause else "",
            )
            self._due[index] = time.monotonic() + pause
        if self.stopping:
            return
        now = time.monotonic()
        for index, at in list(self._due.items()):
            if at <= now:
                del self._due[index]
                self.restarts += 1
                self._start(index)

    def stop(self, timeout: float) -> None:
        """SIGTERM to every worker, wait up to ``timeout`` s, then SIGKILL what is left."""
        self._due.clear()
        for worker in self.workers.values():
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for index, worker in self.workers.items():
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("%s process %d did not stop in time: killed", self._label, index)
                worker.kill()
                worker.join(5)
        log.info("%s processes stopped", self._label)


def worker_config(config: GatewayConfig, index: int, *, host: str, port: int) -> GatewayConfig:
    """Worker ``index``'s config: the name suffixed ``-index``, SO_REUSEPORT on."""
    base = config.name or f"{socket.gethostname()}:{port}"
    return replace(config, name=f"{base}-{index}", reuse_port=True)


def run_processes(
    count: int,
    *,
    names: StreamNames,
    directory_loader: Callable[[], DirectoryLoader],
    host: str,
    port: int,
    config: GatewayConfig,
    use_uvloop: bool = False,
) -> None:
    """Serve ``host``:``port`` with ``count`` supervised worker processes until SIGTERM or
    SIGINT. ``directory_loader`` is called in each worker (a database engine is not shared
    across a fork)."""
    check_process_count(count)
    holder = reserve_port(host, port)
    port = holder.getsockname()[1]

    def work(index: int) -> None:
        holder.close()  # the worker's copy; the parent keeps the port
        with asyncio.Runner(loop_factory=lambda: new_event_loop(use_uvloop)) as runner:
            runner.run(
                run_until_signalled(
                    names=names,
                    directory_loader=directory_loader(),
                    host=host,
                    port=port,
                    config=worker_config(config, index, host=host, port=port),
                )
            )

    stopping: list[int] = []
    supervisor = Supervisor(count, work)

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)
        supervisor.stopping = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("gateway: %d processes on %s:%d (SO_REUSEPORT)", count, host, port)
        supervisor.start()
        while not stopping:
            supervisor.check(0.2)
        log.info("gateway: signal %d, stopping %d processes", stopping[0], count)
    finally:
        supervisor.stop(timeout=config.publish_timeout + 10)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        holder.close()
