"""Getting a database ready and running the in-process worker."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import dbroles, migrate
from jingjinji.db import make_session_factory, session_scope


class SchemaNotReady(RuntimeError):
    """The schema is behind the code and the connected role may not migrate it."""


def prepare_database(engine: Engine, *, app_role: str | None = None) -> None:
    """Get the schema current and (re)load the region hierarchy. Safe to run again.

    A role that owns the schema (and SQLite) applies pending migrations, then, given
    ``app_role``, re-grants that role its privileges in the same transaction. The application
    role owns nothing and never tries: it only checks that no migration is pending
    (:class:`SchemaNotReady` says what to run)."""
    from jingjinji.regions import service as regions

    if dbroles.may_change_schema(engine):
        migrate.upgrade(
            engine,
            then=(lambda connection: dbroles.apply_grants(connection, app_role))
            if app_role
            else None,
        )
    else:
        require_current_schema(engine)
    with session_scope(make_session_factory(engine)) as session:
        regions.load_region(session)


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`SchemaNotReady` if a migration is pending (never migrates)."""
    pending = migrate.pending(engine)
    if not pending:
        return
    user = engine.url.username or "the connected role"
    state = (
        "has no schema yet"
        if _applied_nothing(engine)
        else f"is behind this version of jjj (pending: {', '.join(sorted(pending))})"
    )
    if dbroles.may_change_schema(engine):
        raise SchemaNotReady(f"the database {state}: run `jjj db upgrade` first")
    raise SchemaNotReady(
        f"the database {state}, and {user!r}, the role JJJ_DATABASE_URL connects as, may not "
        "migrate it (the application role owns nothing, by design). Run `jjj db upgrade` with "
        "JJJ_OWNER_DATABASE_URL set to the schema owner's URL (and JJJ_APP_ROLE to the "
        "application role), then start again."
    )


def _applied_nothing(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return not MigrationContext.configure(connection).get_current_heads()


def start_worker_thread(factory: sessionmaker[Session], stop: threading.Event) -> threading.Thread:
    from jingjinji.jobs import service as jobs

    thread = threading.Thread(
        target=jobs.work_forever,
        kwargs={"factory": factory, "stop": stop, "poll_seconds": 1.0},
        name="jjj-worker",
        daemon=True,
    )
    thread.start()
    return thread
