"""FastAPI dependencies shared by every domain's router and views."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jingjinji.accounts import service as accounts
from jingjinji.errors import NotAuthenticated
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.web import SESSION_COOKIE, check_csrf

__all__ = ["SESSION_COOKIE", "DbSession", "OptionalActor", "RequiredActor"]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: committed before the response is sent.

    Made on the event loop: making a session does no I/O (its connection is taken at the
    first statement, in the endpoint's worker thread), so only its end (commit or rollback,
    then close) takes a worker thread. A sync generator took one thread hop to start it as
    well, on every request. The end runs as FastAPI runs a sync dependency's exit: shielded
    from cancellation, with its own thread limiter (never waiting for capacity while it holds
    a pool connection)."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                _end_session, session, False, limiter=anyio.CapacityLimiter(1)
            )
        raise
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(
            _end_session, session, True, limiter=anyio.CapacityLimiter(1)
        )


def _end_session(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit happens before the response goes out, so a client that reads
# right after a successful write sees it.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_streaming_session(request: Request) -> Iterator[Session]:
    """A session for a streamed download to read from while it sends (the request's
    ``DbSession`` is committed and closed before the first byte); it writes nothing and is
    closed once the response has been sent, or the client has gone."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# scope="request" (the default): closed after the response has been sent.
StreamingSession = Annotated[Session, Depends(get_streaming_session, scope="request")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def resolve_actor(request: Request, session: Session) -> Actor | None:
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    secret = _bearer(request)
    actor: Actor | None = None
    if secret is not None:
        actor = accounts.actor_for_token(session, secret=secret)
        if actor is None:
            raise NotAuthenticated(msg("The API token is unknown, expired or revoked."))
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            actor = accounts.actor_for_session(session, token=cookie)
            # A browser session on an API write must carry the CSRF header (htmx sends it).
            if (
                actor is not None
                and request.method not in SAFE_METHODS
                and request.url.path.startswith("/api/")
            ):
                check_csrf(request, None)
    request.state.actor = actor
    return actor


def get_actor(request: Request, session: DbSession) -> Actor | None:
    return resolve_actor(request, session)


def get_required_actor(request: Request, session: DbSession) -> Actor:
    actor = resolve_actor(request, session)
    if actor is None:
        raise NotAuthenticated(msg("Log in or send an API token (Authorization: Bearer ...)."))
    return actor


OptionalActor = Annotated[Actor | None, Depends(get_actor)]
RequiredActor = Annotated[Actor, Depends(get_required_actor)]
