"""Admission control: never more requests at work than the database pool can serve.

Why: a sync endpoint runs in a worker thread and takes a pool connection; before that
connection goes back it needs a worker thread twice more (FastAPI validates the response in
one, and the session dependency commits and closes in another). With more clients than pool
connections, every worker thread ends up blocked waiting for a connection while the holders
wait for a thread: the server stops, and stays stopped after the load has gone (issue 9).

The cure is to make the wait for capacity asynchronous, in front of the application: at most
``limit`` requests are admitted at a time, where ``limit`` is no more than the pool's
connections and less than the worker threads. An admitted request then always finds a
connection and a thread; the others wait on the event loop (holding nothing) in arrival order,
and one that has waited ``wait_seconds``, or that finds ``max_waiting`` already queued, gets
503 with Retry-After. When the load stops, the queue drains by itself.

A live event stream (``text/event-stream``) gives its slot back once its headers are out: it
lives for minutes. Each of its polls takes a slot again through :func:`run_in_slot`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingjinji import problems
from jingjinji.errors import Busy
from jingjinji.i18n import msg

log = logging.getLogger(__name__)

T = TypeVar("T")

# Requests that never touch the database: no slot needed.
EXEMPT_PREFIXES = ("/static/", "/favicon.ico")
RETRY_AFTER_SECONDS = 1
# Requests that carry no body: while they wait, their channel is watched for a hang-up.
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def pool_capacity(engine: Engine) -> int | None:
    """Connections the engine's pool can hand out at once; None if it sets no bound."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        overflow = int(getattr(pool, "_max_overflow", 0))
        if overflow < 0:
            return None
        return pool.size() + overflow
    return None


def admission_limit(
    *, pool_connections: int | None, worker_threads: int, configured: int | None = None
) -> int:
    """How many requests may be at work at once.

    At most the pool's connections (an admitted request never waits for one held by a
    request that waits for it), and at least one worker thread fewer than the pool of threads
    (an admitted request always finds a thread, even while static files use one)."""
    bounds = [max(1, worker_threads - 1)]
    if pool_connections is not None:
        bounds.append(pool_connections)
    if configured is not None:
        bounds.append(configured)
    return max(1, min(bounds))


@dataclass
class Admission:
    """The gate: a fair semaphore sized on first use (it needs the running event loop)."""

    engine: Engine
    configured_limit: int | None = None
    wait_seconds: float = 15.0
    max_waiting: int = 1000
    limit: int = 0
    waiting: int = 0
    refused: int = 0
    _semaphore: anyio.Semaphore | None = field(default=None, repr=False)

    def semaphore(self) -> anyio.Semaphore:
        if self._semaphore is None:
            threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            self.limit = admission_limit(
                pool_connections=pool_capacity(self.engine),
                worker_threads=threads,
                configured=self.configured_limit,
            )
            log.info("admitting %d requests at a time (%d worker threads)", self.limit, threads)
            self._semaphore = anyio.Semaphore(self.limit, fast_acquire=True)
        return self._semaphore

    async def acquire(self) -> bool:
        """Wait for a slot; False if the queue is full or the wait ran out."""
        semaphore = self.semaphore()
        if semaphore.value > 0:
            # A free slot is taken at once: there is no wait to bound, so no timeout scope
            # (creating one cost more than the rest of admission). A free slot means nobody
            # waits: anyio hands a released slot to the first waiter directly.
            semaphore.acquire_nowait()
            return True
        if self.waiting >= self.max_waiting:
            self.refused += 1
            return False
        self.waiting += 1
        try:
            with anyio.move_on_after(self.wait_seconds):
                await semaphore.acquire()
                return True
        finally:
            self.waiting -= 1
        self.refused += 1
        return False

    def release(self) -> None:
        self.semaphore().release()


def _refusal(scope: Scope) -> JSONResponse:
    return problems.problem_response(
        503,
        "Busy",
        "The server is at capacity; nothing was done. Try again shortly.",
        type_slug="busy",
        instance=str(scope.get("path", "")),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class AdmissionMiddleware:
    """Pure ASGI middleware (no thread, no buffering) in front of the application."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        admitted, receive, gone = await self._wait_for_slot(scope, receive)
        if gone:
            return  # the client left while it waited: nothing to do, nobody to answer
        if not admitted:
            await _refusal(scope)(scope, receive, send)
            return
        held = True

        async def send_and_free_streams(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start" and _is_event_stream(message):
                held = False
                self.admission.release()
            await send(message)

        try:
            await self.app(scope, receive, send_and_free_streams)
        finally:
            if held:
                self.admission.release()

    async def _wait_for_slot(self, scope: Scope, receive: Receive) -> tuple[bool, Receive, bool]:
        """Acquire a slot; while a bodiless request waits, watch for its client leaving.

        Returns (admitted, the receive channel to hand on, whether the client left). A request
        whose client hung up while queued is dropped unserved, so the queue a burst leaves
        behind drains at once when the load stops. Requests with a body are not watched: that
        would mean reading (and holding) the body of every waiting request."""
        admission = self.admission
        if admission.semaphore().value > 0 or scope.get("method") not in BODILESS_METHODS:
            return await admission.acquire(), receive, False
        received: list[Message] = []
        admitted = gone = False
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                nonlocal gone
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        gone = True
                        group.cancel_scope.cancel()
                        return
                    received.append(message)

            async def wait() -> None:
                nonlocal admitted
                admitted = await admission.acquire()
                group.cancel_scope.cancel()

            group.start_soon(watch)
            group.start_soon(wait)
        if gone and admitted:
            admission.release()
            admitted = False

        async def replay() -> Message:
            if received:
                return received.pop(0)
            return await receive()

        return admitted, replay, gone


def _is_event_stream(message: Message) -> bool:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return bool(value.startswith(b"text/event-stream"))
    return False


async def run_in_slot(request: Request, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking database work of a long-lived response in a worker thread, inside a slot.

    Raises :class:`Busy` if no slot comes free in time. Where the application has no
    admission control, it just runs."""
    admission: Admission | None = getattr(request.app.state, "admission", None)
    if admission is None:
        return await run_in_threadpool(func, *args, **kwargs)
    if not await admission.acquire():
        raise Busy(msg("The server is at capacity; nothing was done. Try again shortly."))
    try:
        return await run_in_threadpool(func, *args, **kwargs)
    finally:
        admission.release()
