"""Refusals that happen before any service runs, on the audit record without flooding it.

A CSRF token that does not match (``csrf.refused``) and an API request without valid
credentials (``api.unauthenticated``) are refused before a service, and its
``audit.audited_refusal``, is reached. They are what a probe or a forged-request attack looks
like, so they go on the audit chain too: ``outcome="denied"``, with the path, the method and
the client address.

Why rate-limited: anyone can send them, as fast as they like, and each entry is a write under
the chain's lock. So at most one entry per (action, client address) per ``window_seconds``
(a minute) is written; the refusals in between are only counted, and the next entry for that
address carries the count (``earlier_unrecorded``: refusals of this kind from this address
since its previous entry that have no entry of their own). The counters live in the process
(``N`` server processes write at most ``N`` entries per address per minute) and are bounded
(``max_tracked`` addresses; past that, the windows that ended are dropped, and if every one
is still open, further addresses share one ``"*"`` counter).

Each entry is written through ``audit.service.record`` in a session and transaction of its
own (the request's own unit of work is left alone: it rolls back with the refused request).
A failure to write the entry is logged and does not turn the refusal into a 500.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from jingjinji.audit import service as audit
from jingjinji.security import Actor

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
MAX_TRACKED = 10_000
SHARED_ADDRESS = "*"
# The audit column holds 200 characters; a path longer than that is cut (and says so).
MAX_PATH = 200


@dataclass
class _Window:
    started: float
    unrecorded: int = 0


class RefusalLog:
    """Which refusals get an audit entry: the first of each window per (action, address)."""

    def __init__(
        self,
        *,
        window_seconds: float = WINDOW_SECONDS,
        max_tracked: int = MAX_TRACKED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window_seconds = window_seconds
        self.max_tracked = max_tracked
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def admit(self, action: str, address: str) -> int | None:
        """None if this refusal is only counted; else the number of earlier refusals of this
        action from this address that got no entry (the new entry is to say so)."""
        now = self.clock()
        with self._lock:
            key = (action, address)
            window = self._windows.get(key)
            if window is None and len(self._windows) >= self.max_tracked:
                self._drop_ended(now)
                if len(self._windows) >= self.max_tracked:
                    key = (action, SHARED_ADDRESS)
                    window = self._windows.get(key)
            if window is not None and now - window.started < self.window_seconds:
                window.unrecorded += 1
                return None
            earlier_unrecorded = window.unrecorded if window is not None else 0
            self._windows[key] = _Window(started=now)
            return earlier_unrecorded

    def tracked(self) -> int:
        with self._lock:
            return len(self._windows)

    def _drop_ended(self, now: float) -> None:
        # An ended window's uncounted refusals are lost with it: only under a flood of
        # distinct addresses, and the flood's own entries show it.
        ended = [k for k, w in self._windows.items() if now - w.started >= self.window_seconds]
        for key in ended:
            del self._windows[key]


_CREATE_LOCK = threading.Lock()


def refusal_log(connection: HTTPConnection) -> RefusalLog:
    """The application's refusal log, made on first use."""
    state = connection.app.state
    existing: RefusalLog | None = getattr(state, "refusal_log", None)
    if existing is not None:
        return existing
    with _CREATE_LOCK:
        existing = getattr(state, "refusal_log", None)
        if existing is None:
            existing = RefusalLog()
            state.refusal_log = existing
        return existing


def client_address(connection: HTTPConnection) -> str:
    """The client's address as the server sees it (behind a proxy: as uvicorn's trusted
    ``--forwarded-allow-ips`` make it)."""
    return connection.client.host if connection.client else "unknown"


def record(
    connection: HTTPConnection,
    *,
    action: str,
    actor: Actor | None = None,
    detail: dict[str, Any] | None = None,
) -> bool:
    """Put one refusal on the audit record, unless its address had one this minute.

    Returns whether an entry was written."""
    address = client_address(connection)
    earlier_unrecorded = refusal_log(connection).admit(action, address)
    if earlier_unrecorded is None:
        return False
    path = connection.url.path
    object_id = path if len(path) <= MAX_PATH else path[: MAX_PATH - 3] + "..."
    entry_detail = {
        "address": address,
        "path": path,
        "method": connection.scope.get("method"),
        "earlier_unrecorded": earlier_unrecorded,
        **(detail or {}),
    }
    factory: sessionmaker[Session] = connection.app.state.session_factory
    try:
        with factory() as session:
            audit.record(
                session,
                actor=actor,
                action=action,
                object_type="request",
                object_id=object_id,
                outcome="denied",
                detail=entry_detail,
            )
            session.commit()
    except SQLAlchemyError:
        log.exception(
            "could not audit the refusal %s of %s %s from %s",
            action,
            entry_detail["method"],
            path,
            address,
        )
        return False
    log.info("refused %s %s from %s (%s)", entry_detail["method"], path, address, action)
    return True
