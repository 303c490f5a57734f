"""The thinnest HTTP API over ``bench_ports_events.py``'s bare queries: a peer for the
benchmark, not part of the platform.

    THIN_DSN=postgresql://... THIN_FILTERS=filters.pickle \\
        python -m uvicorn --app-dir benchmarks --factory ports_thin_server:from_environment

A raw ASGI application (no framework, no middleware, no routing) that answers ``GET /<n>`` with
the n-th filter's bare query, limit 100: one psycopg query on one autocommit connection, run in
a worker thread as the platform runs its read unit (``anyio.to_thread``), the payloads spliced
as PostgreSQL returns their text (never parsed and dumped again), the body compressed at gzip
level 3 when the client accepts it, as the platform compresses a page. No token, no query
validation, no paging links, no audit. What it costs is what any Python HTTP API over the same
query must at least pay: uvicorn's HTTP, the thread hop, the query, the body and the client's
decoding. Served by uvicorn with the same defaults ``jjj serve`` has (access log included).
"""

from __future__ import annotations

import os
import pickle
import threading
import zlib
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import anyio.to_thread
import psycopg

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

GZIP_LEVEL = 3  # delivery.LeveledGZipMiddleware's level for answers made per request
GZIP_MINIMUM = 1024  # delivery.GZIP_MINIMUM_SIZE


class ThinApp:
    """The ASGI application: ``GET /<n>`` answers the n-th filter's bare query."""

    def __init__(self, dsn: str, filters: Sequence[Any]) -> None:
        self.statements = [
            (f.bare_sql().replace("SELECT id, payload ", "SELECT id, payload::text ", 1), f.values)
            for f in filters
        ]
        self.dsn = dsn
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()  # one connection, one query at a time

    def page(self, index: int) -> bytes:
        sql, values = self.statements[index]
        with self._lock:
            if self._connection is None:
                self._connection = psycopg.connect(self.dsn, autocommit=True)
            rows = self._connection.execute(sql, values).fetchall()
        return b"[" + ",".join(text for _, text in rows).encode() + b"]"

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            self.close()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = await anyio.to_thread.run_sync(self.page, int(scope["path"].strip("/")))
        headers = [(b"content-type", b"application/json")]
        accepts = b"".join(v for k, v in scope["headers"] if k == b"accept-encoding")
        if b"gzip" in accepts and len(body) >= GZIP_MINIMUM:
            compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
            body = compressor.compress(body) + compressor.flush()
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def from_environment() -> ThinApp:
    """uvicorn's ``--factory``: the database from THIN_DSN, the filters (a pickled list of
    ``ports_events_data.Filter``) from the file THIN_FILTERS names."""
    with open(os.environ["THIN_FILTERS"], "rb") as file:
        filters = pickle.load(file)
    return ThinApp(os.environ["THIN_DSN"], filters)
