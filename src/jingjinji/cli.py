"""`jjj`: the operators' command line."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from jingjinji import domains
from jingjinji.config import get_settings
from jingjinji.db import make_engine, make_session_factory, session_scope

app = typer.Typer(
    help="Jing-Jin-Ji coordination platform.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err_console = Console(stderr=True)


@contextmanager
def cli_session() -> Iterator[Session]:
    """A unit of work against the configured database (JJJ_DATABASE_URL)."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and load the region hierarchy."""
    from jingjinji import bootstrap

    settings = get_settings()
    engine = make_engine(settings.database_url)
    bootstrap.prepare_database(engine)
    engine.dispose()
    console.print(f"database ready: {settings.database_url}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m")],
    rev_id: Annotated[str, typer.Option()],
    head: Annotated[str, typer.Option(help="parent revision, e.g. 0001_foundation")],
    branch_label: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Autogenerate a migration from the models (developers)."""
    from jingjinji import migrate

    engine = make_engine(get_settings().database_url)
    migrate.revision(engine, message=message, rev_id=rev_id, head=head, branch_label=branch_label)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    worker: Annotated[bool, typer.Option(help="run the job worker in-process")] = False,
) -> None:
    """Serve the web UI and API."""
    import uvicorn

    from jingjinji import bootstrap
    from jingjinji.app import create_app

    settings = get_settings()
    engine = make_engine(settings.database_url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    stop = threading.Event()
    if worker:
        bootstrap.start_worker_thread(factory, stop)
    try:
        uvicorn.run(
            create_app(settings, session_factory=factory), host=host, port=port, log_level="info"
        )
    finally:
        stop.set()


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    load_only: Annotated[bool, typer.Option(help="load the demo data and exit")] = False,
) -> None:
    """Create the embedded database, load the demo data, run worker and server."""
    import uvicorn

    from jingjinji import bootstrap
    from jingjinji.app import create_app

    settings = get_settings()
    engine = make_engine(settings.database_url)
    bootstrap.prepare_database(engine)
    factory = make_session_factory(engine)
    from jingjinji import demo as demo_data

    logins = demo_data.ensure_loaded(factory, console=console)
    if load_only:
        demo_data.print_logins(console, logins, url=None)
        return
    stop = threading.Event()
    bootstrap.start_worker_thread(factory, stop)
    demo_data.print_logins(console, logins, url=f"http://{host}:{port}/")
    try:
        uvicorn.run(
            create_app(settings, session_factory=factory), host=host, port=port, log_level="warning"
        )
    finally:
        stop.set()


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="run due jobs once and exit")] = False,
    poll: Annotated[float, typer.Option(help="seconds between polls")] = 2.0,
) -> None:
    """Run background jobs (claimed with compare-and-set; several workers may run)."""
    import jingjinji.jobs.registry  # noqa: F401
    from jingjinji.jobs import service as jobs

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    if once:
        with factory() as session:
            jobs.queue_periodic(session, last_run={})
        ran = jobs.run_pending(factory)
        console.print(f"ran {ran} job(s)")
        return
    stop = threading.Event()
    console.print(f"worker {jobs.worker_id()} polling every {poll}s (Ctrl-C to stop)")
    try:
        jobs.work_forever(factory, stop=stop, poll_seconds=poll)
    except KeyboardInterrupt:
        stop.set()


def _mount_domain_clis() -> None:
    for module in domains.modules("cli"):
        name = module.__name__.split(".")[-2]
        sub = getattr(module, "app", None)
        if isinstance(sub, typer.Typer) and getattr(module, "MOUNT", True):
            app.add_typer(sub, name=getattr(module, "NAME", name))


_mount_domain_clis()

if os.environ.get("JJJ_CLI_DEBUG") == "1":  # pragma: no cover
    app.pretty_exceptions_enable = True
