"""Admission control on its own: the limit, the fair wait, the refusal and the event streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from starlette.types import Message, Scope

from jingjinji.admission import (
    Admission,
    AdmissionMiddleware,
    admission_limit,
    pool_capacity,
    run_in_slot,
)
from jingjinji.db import make_server_engine
from jingjinji.errors import Busy
from tests.aio import run_async


@pytest.mark.parametrize(
    ("pool", "threads", "configured", "expected"),
    [
        (20, 40, None, 20),  # the pool bounds it
        (60, 40, None, 39),  # the threads bound it, one kept for static files
        (None, 40, None, 39),  # a pool without a bound
        (20, 40, 5, 5),  # the operator's setting, when lower
        (20, 40, 100, 20),  # ... never above what is safe
        (0, 1, None, 1),  # degenerate sizes still admit one
    ],
)
def test_the_limit_is_the_smallest_safe_bound(
    pool: int | None, threads: int, configured: int | None, expected: int
) -> None:
    assert (
        admission_limit(pool_connections=pool, worker_threads=threads, configured=configured)
        == expected
    )


def test_pool_capacity_reads_the_engine(tmp_path: object) -> None:
    # An in-memory SQLite engine shares one connection: no pool to size or bound.
    memory = make_server_engine("sqlite:///:memory:", pool_size=3, max_overflow=4, pool_timeout=1)
    assert pool_capacity(memory) is None
    queue = create_engine(f"sqlite:///{tmp_path}/x.db", pool_size=3, max_overflow=4)
    assert pool_capacity(queue) == 7
    unbounded = create_engine(f"sqlite:///{tmp_path}/y.db", pool_size=3, max_overflow=-1)
    assert pool_capacity(unbounded) is None
    assert pool_capacity(create_engine(f"sqlite:///{tmp_path}/z.db", poolclass=NullPool)) is None
    for engine in (memory, queue, unbounded):
        engine.dispose()


def _app(admission: Admission, gate: asyncio.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        app.state.served += 1
        await gate.wait()
        return {"ok": True}

    @app.get("/static/app/file.css")
    async def static_file() -> dict[str, bool]:
        return {"static": True}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            yield "event: ready\ndata: {}\n\n"
            await gate.wait()

        return StreamingResponse(events(), media_type="text/event-stream")

    app.state.admission = admission
    app.state.served = 0
    app.add_middleware(AdmissionMiddleware, admission=admission)
    return app


def _scope(path: str, method: str = "GET") -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
    }


def _admission(limit: int, *, wait: float, max_waiting: int = 100) -> Admission:
    engine = create_engine("sqlite://", poolclass=NullPool)
    return Admission(engine, configured_limit=limit, wait_seconds=wait, max_waiting=max_waiting)


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def test_requests_beyond_the_limit_wait_then_get_503_with_retry_after() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=0.2)
        async with await _client(_app(admission, gate)) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            refused = await client.get("/slow")
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["type"].endswith("/busy")
            # Static files need no slot.
            assert (await client.get("/static/app/file.css")).status_code == 200
            gate.set()
            assert (await first).status_code == 200
            # Recovered: the slot is free again.
            assert (await client.get("/slow")).status_code == 200
        assert admission.refused == 1
        assert admission.waiting == 0

    run_async(scenario)


def test_a_waiting_request_is_served_when_a_slot_frees_in_time() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=5.0)
        async with await _client(_app(admission, gate)) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            second = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            assert admission.waiting == 1
            gate.set()
            assert [(await first).status_code, (await second).status_code] == [200, 200]

    run_async(scenario)


def test_a_full_queue_refuses_at_once() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=5.0, max_waiting=0)
        async with await _client(_app(admission, gate)) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            with anyio.fail_after(1.0):  # no waiting at all
                refused = await client.get("/slow")
            assert refused.status_code == 503
            gate.set()
            await first

    run_async(scenario)


def test_an_event_stream_gives_its_slot_back_once_its_headers_are_out() -> None:
    # Driven over raw ASGI: httpx's in-process transport would buffer the endless body.
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=0.5)
        app = _app(admission, gate)
        started = asyncio.Event()
        sent: list[Message] = []

        async def receive() -> Message:
            await gate.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.start":
                started.set()

        scope = _scope("/stream")
        streaming = asyncio.create_task(app(scope, receive, send))
        with anyio.fail_after(2.0):
            await started.wait()
        # The stream is open, yet an ordinary request is admitted.
        assert admission.semaphore().value == 1
        async with await _client(app) as client:
            other = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            gate.set()
            assert (await other).status_code == 200
        with anyio.fail_after(2.0):
            await streaming
        assert admission.semaphore().value == 1  # released once, not twice

    run_async(scenario)


def test_a_streams_poll_takes_a_slot_and_is_refused_when_none_frees() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=0.1)
        app = _app(admission, gate)

        class FakeRequest:
            pass

        request = FakeRequest()
        request.app = app  # type: ignore[attr-defined]
        assert await run_in_slot(request, lambda: 42) == 42  # type: ignore[arg-type]
        await admission.acquire()  # the only slot is taken
        with pytest.raises(Busy):
            await run_in_slot(request, lambda: 42)  # type: ignore[arg-type]
        admission.release()

    run_async(scenario)


def test_a_queued_request_whose_client_leaves_is_dropped_unserved() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=5.0)
        app = _app(admission, gate)
        left = asyncio.Event()
        messages: list[Message] = [{"type": "http.request", "body": b"", "more_body": False}]
        sent: list[Message] = []

        async def receive() -> Message:
            if messages:
                return messages.pop(0)
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        async with await _client(app) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            queued = asyncio.create_task(app(_scope("/slow"), receive, send))
            await asyncio.sleep(0.05)
            assert admission.waiting == 1
            left.set()  # the queued client hangs up
            with anyio.fail_after(1.0):
                await queued
            assert sent == []  # nobody to answer
            assert admission.waiting == 0
            gate.set()
            assert (await first).status_code == 200
        assert app.state.served == 1  # the queued request never reached the endpoint
        assert admission.semaphore().value == 1

    run_async(scenario)


def test_a_queued_request_keeps_its_request_message_once_admitted() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()
        admission = _admission(1, wait=5.0)
        app = _app(admission, gate)
        async with await _client(app) as client:
            first = asyncio.create_task(client.get("/slow"))
            await asyncio.sleep(0.05)
            second = asyncio.create_task(client.get("/slow", params={"x": "1"}))
            await asyncio.sleep(0.05)
            gate.set()
            assert (await first).status_code == 200
            assert (await second).json() == {"ok": True}
        assert app.state.served == 2

    run_async(scenario)
