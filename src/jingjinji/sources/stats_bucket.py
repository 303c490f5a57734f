"""The gateways' latest counters as the gateways put them in the stats bucket (NATS KV, see
:mod:`jingjinji.sources.stream`), read synchronously for the gateway page's service.

The bucket sits beside the packets' work queue, not in it: however many packets wait for the
loader, a gateway's counters are readable a moment after it put them (docs/sources.md, the
gateway page). One read connects, lists the bucket's keys and fetches the last value of each
(about 7-10 ms against a local NATS); a NATS that cannot be reached is not asked again for
``RETRY_AFTER_SECONDS``, and the caller keeps what the database holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from jingjinji.sources.stream import StreamNames

log = logging.getLogger("jingjinji.sources")

#: Seconds one read may take (connect and fetch) before the page goes without it.
READ_TIMEOUT_SECONDS = 1.0
#: After a failed read, the bucket is not asked again for this long (a page every 5 s would
#: otherwise wait for an unreachable NATS each time).
RETRY_AFTER_SECONDS = 10.0

_KV_OPERATION = "KV-Operation"
_unreachable_until: dict[str, float] = {}
_lock = threading.Lock()

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LiveReport:
    """A gateway's latest counters (``gateway.counters.Counters.snapshot``) from the bucket."""

    gateway: str
    reported_at: dt.datetime
    counters: dict[str, Any]


def parse_report(data: bytes, stored_at: dt.datetime | None) -> LiveReport | None:
    """The report in a bucket value, None if it is not a JSON object or has no time at all;
    ``reported_at`` is the gateway's own (else when the bucket stored it)."""
    try:
        counters = json.loads(data)
    except ValueError:
        return None
    if not isinstance(counters, dict) or not counters.get("gateway"):
        return None
    reported = _moment(counters.get("reported_at")) or stored_at
    if reported is None:
        return None
    return LiveReport(str(counters["gateway"])[:100], reported, counters)


def _moment(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None


def latest_reports(
    names: StreamNames, *, timeout: float = READ_TIMEOUT_SECONDS
) -> list[LiveReport] | None:
    """Every gateway's latest report in the bucket ([] when there is no bucket yet); None when
    NATS could not be asked (then, and for RETRY_AFTER_SECONDS, the caller does without)."""
    with _lock:
        if _unreachable_until.get(names.url, 0.0) > time.monotonic():
            return None
    try:
        values = _run(lambda: asyncio.wait_for(_read(names, timeout), timeout * 2))
    except Exception as exc:  # NATS away or too slow: the page shows the database's counters
        with _lock:
            _unreachable_until[names.url] = time.monotonic() + RETRY_AFTER_SECONDS
        log.warning(
            "gateway counters not read from %s at %s: %s",
            names.stats_bucket,
            names.url,
            f"{type(exc).__name__}: {exc}".splitlines()[0],
        )
        return None
    reports = [parse_report(data, at) for data, at in values]
    return [r for r in reports if r is not None]


async def _quiet(_: Exception) -> None:
    """nats-py logs every failed connection attempt with a traceback; the caller says it once."""


async def _read(names: StreamNames, timeout: float) -> list[tuple[bytes, dt.datetime | None]]:
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(
        names.url,
        name="jjj-gateway-page",
        connect_timeout=timeout,
        allow_reconnect=False,
        max_reconnect_attempts=1,
        reconnect_time_wait=0,
        error_cb=_quiet,
    )
    try:
        js = nc.jetstream(timeout=timeout)
        stream = f"KV_{names.stats_bucket}"
        prefix = f"$KV.{names.stats_bucket}."
        try:
            info = await js.stream_info(stream, subjects_filter=f"{prefix}>")
        except NotFoundError:  # no gateway has run against this NATS yet
            return []
        found: list[tuple[bytes, dt.datetime | None]] = []
        for subject in sorted(info.state.subjects or {}):
            try:
                msg = await js.get_last_msg(stream, subject)
            except NotFoundError:  # forgot (TTL) between the two questions
                continue
            if msg.data and _KV_OPERATION not in (msg.headers or {}):
                found.append((msg.data, msg.time))
        return found
    finally:
        await nc.close()


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())``, on a thread of its own when this one already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jjj-stats-read") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
