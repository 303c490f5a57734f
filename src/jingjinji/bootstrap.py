"""Getting a database ready and running the in-process worker."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import migrate
from jingjinji.db import make_session_factory, session_scope


def prepare_database(engine: Engine) -> None:
    """Apply pending migrations and (re)load the region hierarchy. Safe to run again."""
    from jingjinji.regions import service as regions

    migrate.upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        regions.load_region(session)


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
