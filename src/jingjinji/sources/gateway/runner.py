"""Running the gateway outside an event loop of one's own: in a thread (the embedded demo) or as
the main program (`jjj sources gateway`, which stops gracefully on SIGTERM and SIGINT)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import signal
import threading
from collections.abc import Coroutine
from typing import Any

from jingjinji.sources.gateway.directory import DirectoryLoader
from jingjinji.sources.gateway.server import Gateway, GatewayConfig, serve
from jingjinji.sources.stream import StreamNames


def new_event_loop(use_uvloop: bool) -> asyncio.AbstractEventLoop:
    """uvloop's loop when asked for (benchmarks/bench_sources_gateway.py measures the gain)."""
    if use_uvloop:
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


class GatewayThread:
    """A gateway on its own thread and event loop; ``stop()`` closes it gracefully."""

    def __init__(self, loop: asyncio.AbstractEventLoop, gateway: Gateway, thread: threading.Thread):
        self._loop = loop
        self.gateway = gateway
        self._thread = thread

    @property
    def port(self) -> int:
        return self.gateway.port

    def _call(self, job: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        """Run ``job`` on the gateway's loop and wait for its result. A closed loop (the
        gateway stopped) refuses it with RuntimeError: ``job`` is closed here, so that it is
        not left "never awaited"."""
        try:
            future = asyncio.run_coroutine_threadsafe(job, self._loop)
        except RuntimeError:
            job.close()
            raise
        return future.result(timeout)

    def snapshot(self) -> dict[str, Any]:
        """The counters as published (read on the gateway's own loop)."""

        async def read() -> dict[str, Any]:
            return self.gateway.counters.snapshot()

        result: dict[str, Any] = self._call(read())
        return result

    def refresh_directory(self) -> None:
        """Read the registry now (after registering loggers) instead of at the next refresh."""
        self._call(self.gateway.directory.refresh())

    def stop(self) -> None:
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self._call(self.gateway.close(), timeout=self.gateway.config.publish_timeout + 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def start_in_thread(
    *,
    names: StreamNames,
    directory_loader: DirectoryLoader,
    host: str = "127.0.0.1",
    port: int = 0,
    config: GatewayConfig | None = None,
    use_uvloop: bool = False,
) -> GatewayThread:
    """Start a gateway on a daemon thread and return once it listens (errors are raised here)."""
    loop = new_event_loop(use_uvloop)
    started: concurrent.futures.Future[Gateway] = concurrent.futures.Future()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            gateway = loop.run_until_complete(
                serve(
                    names=names,
                    directory_loader=directory_loader,
                    host=host,
                    port=port,
                    config=config,
                )
            )
        except BaseException as exc:
            started.set_exception(exc)
            loop.close()
            return
        started.set_result(gateway)
        try:
            loop.run_forever()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="jjj-gateway", daemon=True)
    thread.start()
    return GatewayThread(loop, started.result(timeout=60), thread)


async def run_until_signalled(
    *,
    names: StreamNames,
    directory_loader: DirectoryLoader,
    host: str,
    port: int,
    config: GatewayConfig,
) -> Gateway:
    """Serve until SIGTERM or SIGINT, then close gracefully; returns the stopped gateway."""
    gateway = await serve(
        names=names, directory_loader=directory_loader, host=host, port=port, config=config
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await gateway.close()
    return gateway
