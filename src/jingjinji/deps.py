"""FastAPI dependencies shared by every domain's router and views."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.orm import Session

from jingjinji.accounts import service as accounts
from jingjinji.errors import NotAuthenticated
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.web import SESSION_COOKIE, check_csrf

__all__ = [
    "SESSION_COOKIE",
    "DbSession",
    "OptionalActor",
    "RequiredActor",
    "read_unit",
    "require_credentials",
]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


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
        await _end_session_async(session, False)
        raise
    await _end_session_async(session, True)


async def _end_session_async(session: Session, commit: bool) -> None:
    """End the request's session; in a worker thread only when there is something to end. A
    session that holds no transaction and no pending object (nothing touched the database, or
    :func:`read_unit` ended its transaction in its own thread) holds no connection: closing it
    is bookkeeping, done here, and saves the request a thread hop."""
    if not session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(
            _end_session, session, commit, limiter=anyio.CapacityLimiter(1)
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


async def require_credentials(request: Request) -> None:
    """401 unless the request carries a credential (an API token or a session cookie), before
    its parameters are validated: the dependency of a route served by :func:`read_unit`, which
    checks the credential itself later, in its worker thread. Reads no database."""
    if _bearer(request) is None and not request.cookies.get(SESSION_COOKIE):
        raise NotAuthenticated(msg("Log in or send an API token (Authorization: Bearer ...)."))


#: ``Session.info`` key marking a session inside :func:`read_unit`: a flush there is a bug.
READ_UNIT = "jjj_read_unit"


async def read_unit(request: Request, session: Session, read: Callable[[Actor], T]) -> T:
    """A read-only request's whole unit of work in one worker thread, for an ``async``
    endpoint on a hot read path (``GET /v2/events``): the actor is resolved as
    ``RequiredActor`` does (401 without one), then ``read(actor)`` runs, then the transaction
    ends, all on one connection in ``AUTOCOMMIT``.

    What it saves against a sync endpoint with ``RequiredActor``: two of its three worker-thread
    hops (the actor dependency's and the session end's: :func:`get_session` then ends nothing)
    and two of its four round trips (``BEGIN`` and ``COMMIT``). Measured in docs/ports.md,
    "One unit for a read". Each statement sees the database as of its own start,
    which is what PostgreSQL's default ``READ COMMITTED`` gives the statements of a
    transaction too; single-statement writes (the token's last-use stamp) commit as they run.
    ``read`` must not write anything else: an ORM flush in it raises (an audit append needs
    its transaction's lock), so use a sync endpoint with ``DbSession`` for anything that
    writes or audits. Give the route ``dependencies=[Depends(require_credentials)]``, so that a
    request without a credential is a 401 before its parameters are validated, as with
    ``RequiredActor``."""

    def unit() -> T:
        session.info[READ_UNIT] = True
        try:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            actor = get_required_actor(request, session)
            result = read(actor)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(READ_UNIT, None)

    return await anyio.to_thread.run_sync(unit)


@event.listens_for(Session, "before_flush")
def _no_flush_in_a_read_unit(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(READ_UNIT):
        raise RuntimeError(
            "an ORM write inside deps.read_unit (autocommit, no transaction): "
            "serve this request from a sync endpoint with DbSession"
        )


OptionalActor = Annotated[Actor | None, Depends(get_actor)]
RequiredActor = Annotated[Actor, Depends(get_required_actor)]
