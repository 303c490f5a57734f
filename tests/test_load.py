"""The server holds a burst of concurrent clients larger than its database pool and recovers.

The wedge this guards against (issue 9): a sync endpoint takes a pool connection, then needs
another worker thread for response validation and one more to commit and close its session.
With more clients than pool connections, every worker thread ends up waiting for a connection
while the holders wait for a thread: nothing moves, and it stays so after the load stops. The
burst here is many times the pool on the real default thread pool (40 threads); before the
admission control every request of it timed out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import Settings
from jingjinji.db import make_engine, make_session_factory
from tests.aio import run_async
from tests.browser_support import LiveServer, serve

# A pool far smaller than the clients and than the thread pool.
POOL_SIZE = 2
CLIENTS = 80
ROUNDS = 3
# Each request must be answered (served or refused) within this time.
ANSWER_SECONDS = 20.0

pytestmark = pytest.mark.xdist_group("load")


@pytest.fixture
def small_pool_factory(db_url: str, engine: object) -> Iterator[sessionmaker[Session]]:
    # `engine` (unused here) loads the region hierarchy into the test database first.
    small = make_engine(db_url, pool_size=POOL_SIZE, max_overflow=0)
    yield make_session_factory(small)
    small.dispose()


@pytest.fixture
def live(settings: Settings, small_pool_factory: sessionmaker[Session]) -> Iterator[LiveServer]:
    yield from serve(settings, small_pool_factory)


async def _burst(url: str, clients: int, rounds: int) -> list[httpx.Response | str]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(ANSWER_SECONDS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:

        async def one_client() -> list[httpx.Response | str]:
            answers: list[httpx.Response | str] = []
            for _ in range(rounds):
                try:
                    answers.append(await client.get("/api/v1/datasets"))
                except httpx.TimeoutException:
                    answers.append("timed out")
            return answers

        per_client = await asyncio.gather(*(one_client() for _ in range(clients)))
    return [answer for answers in per_client for answer in answers]


def test_a_burst_beyond_the_pool_is_served_or_refused_and_the_server_recovers(
    live: LiveServer,
) -> None:
    started = time.monotonic()
    answers = run_async(lambda: _burst(live.url, CLIENTS, ROUNDS))
    elapsed = time.monotonic() - started

    timed_out = [a for a in answers if isinstance(a, str)]
    assert not timed_out, (
        f"{len(timed_out)} of {len(answers)} requests got no answer within {ANSWER_SECONDS} s "
        f"(the server is wedged); burst took {elapsed:.1f} s"
    )
    responses = [a for a in answers if isinstance(a, httpx.Response)]
    statuses = sorted({r.status_code for r in responses})
    assert set(statuses) <= {200, 503}, statuses
    assert sum(r.status_code == 200 for r in responses) > 0
    for refused in (r for r in responses if r.status_code == 503):
        assert refused.headers["retry-after"].isdigit()
        assert refused.headers["content-type"].startswith("application/problem+json")

    # Recovered by itself: the next request is served at once.
    with httpx.Client(base_url=live.url, timeout=5.0) as client:
        after = client.get("/api/v1/datasets")
    assert after.status_code == 200
