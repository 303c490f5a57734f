"""`jjj`: the operators' command line.

Start-up stays light: ``jjj --help`` (and any ``--help`` below it) imports Typer, Rich and the
domains' ``cli`` modules only. SQLAlchemy, polars, scikit-learn, WeasyPrint and the services are
imported inside the command functions that use them (``tests/test_cli.py`` checks it).

Each domain's ``cli`` module may provide ``app`` (mounted as ``jjj <domain>``, or ``jjj <NAME>``)
and ``GROUPS``, Typer apps mounted inside the group its ``MOUNT_UNDER`` names (an earlier
domain's group: the forecast and warning commands live under ``jjj air``).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from jingjinji import domains
from jingjinji.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from jingjinji.sources.live import PipelineProcess

app = typer.Typer(
    help="Jing-Jin-Ji coordination platform.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
# Messages are never broken into lines by Rich (soft wrap): a file path or an id in an error
# stays whole through a pipe and in a log; a terminal wraps long lines itself. Tables still
# fit the width (see cli_output).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def make_engine(url: str) -> Engine:
    """:func:`jingjinji.db.make_engine`, imported when a command runs, not at start-up."""
    from jingjinji import db

    return db.make_engine(url)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """:func:`jingjinji.db.make_session_factory`, imported when a command runs."""
    from jingjinji import db

    return db.make_session_factory(engine)


@contextmanager
def cli_session() -> Iterator[Session]:
    """A unit of work against the configured database (JJJ_DATABASE_URL)."""
    from jingjinji.db import session_scope

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> typer.Exit:
    # The message is text, not Rich markup: a "[a-z0-9_.-]" in it is shown, not swallowed.
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


def _owner_url() -> str:
    """The URL migrations and grants run with: JJJ_OWNER_DATABASE_URL, else JJJ_DATABASE_URL."""
    settings = get_settings()
    return settings.owner_database_url or settings.database_url


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations as the schema owner (JJJ_OWNER_DATABASE_URL, else JJJ_DATABASE_URL),
    re-grant the application role (JJJ_APP_ROLE) and load the region hierarchy."""
    from jingjinji import bootstrap, dbroles

    settings = get_settings()
    url = _owner_url()
    postgres = url.startswith("postgresql")
    if settings.app_role and not postgres:
        raise fail(f"JJJ_APP_ROLE is set, but {dbroles.SQLITE_HAS_NO_ROLES}", code=2)
    if postgres and settings.owner_database_url is None:
        err_console.print(
            "[yellow]warning:[/] JJJ_OWNER_DATABASE_URL is not set: migrating as the role of "
            "JJJ_DATABASE_URL. In production the application connects as a role that owns "
            "nothing (docs/operations.md, 'Database roles')."
        )
    engine = make_engine(url)
    try:
        bootstrap.prepare_database(engine, app_role=settings.app_role)
    except (bootstrap.SchemaNotReady, dbroles.RoleSetupError) as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    console.print(f"database ready: {_shown(url)}")
    if settings.app_role:
        console.print(f"privileges of application role {settings.app_role!r} re-applied")


@db_app.command("grant-app-role")
def db_grant_app_role(
    role: Annotated[
        str | None,
        typer.Option(envvar="JJJ_APP_ROLE", help="the role the application connects as"),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="file holding the role's password (first line)"
        ),
    ] = None,
) -> None:
    """Create or tighten the PostgreSQL role the application connects as (run with the owner's
    URL): DML on ordinary tables, only SELECT and INSERT on the audit trail, owns nothing."""
    from jingjinji import dbroles

    url = _owner_url()
    if not url.startswith("postgresql"):
        raise fail(dbroles.SQLITE_HAS_NO_ROLES, code=2)
    if not role:
        raise fail("name the application role: --role NAME (or JJJ_APP_ROLE)", code=2)
    password = None
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            report = dbroles.grant_app_role(connection, role, password=password)
    except dbroles.RoleSetupError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    audit = {t: p for t, p in report.tables.items() if t in dbroles.AUDIT_TABLES}
    console.print(
        f"role {role!r} {'created' if report.created else 'checked'}: "
        f"{len(report.tables)} tables, {len(report.sequences)} sequences; owns nothing"
    )
    for table, privileges in sorted(audit.items()):
        console.print(f"  {table}: {', '.join(privileges)} only")
    console.print(
        "Connect the application as this role (JJJ_DATABASE_URL) and set "
        f"JJJ_APP_ROLE={role} where `jjj db upgrade` runs."
    )


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m")],
    rev_id: Annotated[str, typer.Option()],
    head: Annotated[str, typer.Option(help="parent revision, e.g. 0001_foundation")],
    branch_label: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Autogenerate a migration from the models (developers)."""
    from jingjinji import migrate

    engine = make_engine(_owner_url())
    migrate.revision(engine, message=message, rev_id=rev_id, head=head, branch_label=branch_label)


def _prepare(engine: Engine) -> None:
    """:func:`bootstrap.prepare_database` for the server: migrates only as the schema owner; as
    the application role it stops with what to run when a migration is pending."""
    from jingjinji import bootstrap

    try:
        bootstrap.prepare_database(engine)
    except bootstrap.SchemaNotReady as exc:
        engine.dispose()
        raise fail(str(exc)) from None


# Seconds open requests (live event streams above all) get to finish at shutdown.
SHUTDOWN_GRACE_SECONDS = 5


def _run_server(
    app_or_path: object, *, host: str, port: int, log_level: str = "info", **options: object
) -> None:
    """uvicorn with the platform's shutdown grace; ``options`` as :func:`uvicorn.run` takes."""
    import uvicorn

    uvicorn.run(
        app_or_path,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        **options,  # type: ignore[arg-type]
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    worker: Annotated[bool, typer.Option(help="run the job worker in-process")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            envvar="JJJ_WORKERS",
            help="server processes (PostgreSQL only; see docs/operations.md for sizing)",
        ),
    ] = 1,
) -> None:
    """Serve the web UI and API."""

    from jingjinji import bootstrap
    from jingjinji.app import create_app, server_engine, warm_routes

    settings = get_settings()
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        raise typer.BadParameter(
            "more than one server process needs PostgreSQL (set JJJ_DATABASE_URL); the "
            "embedded SQLite database takes one writer at a time",
            param_hint="--workers",
        )
    engine = server_engine(settings)
    _prepare(engine)
    factory = make_session_factory(engine)
    stop = threading.Event()
    if worker:
        bootstrap.start_worker_thread(factory, stop)
        # The pollution-source loader runs beside the jobs (JetStream -> database); without
        # NATS it says so and the rest serves on.
        from jingjinji.sources import live

        live.start(factory, settings, stop=stop)
    try:
        if workers == 1:
            served = warm_routes(create_app(settings, session_factory=factory))
            _run_server(served, host=host, port=port)
        else:
            # Each process builds its own application, engine and pool (a pool must not
            # cross a fork); this one supervises them and restarts one that dies.
            engine.dispose()
            _run_server(
                "jingjinji.app:create_served_app",
                host=host,
                port=port,
                factory=True,
                workers=workers,
            )
    finally:
        stop.set()


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _demo_settings(settings: Settings, host: str) -> Settings:
    """The demo serves plain http: on a loopback host its cookies are not Secure (Chromium
    sends Secure cookies to http://127.0.0.1, but not every browser does, and none does for
    another host). Elsewhere they stay Secure: put it behind HTTPS, or set
    JJJ_INSECURE_HTTP=1 knowingly."""
    if host in LOOPBACK_HOSTS and settings.secure_cookies:
        return dataclasses.replace(settings, secure_cookies=False)
    if settings.secure_cookies:
        console.print(
            f"[yellow]cookies are Secure: sign-in works only over HTTPS; for plain http on "
            f"{host} set JJJ_INSECURE_HTTP=1[/yellow]"
        )
    return settings


def _ensure_demo_audit_key(settings: Settings) -> None:
    """The demo signs its audit checkpoints like production: with no signing key configured, it
    makes one in the audit key directory (under ./var) before the demo data is recorded."""
    from jingjinji.audit import keys as audit_keys

    key_dir = settings.audit_key_dir
    if settings.audit_signing_key or key_dir is None or audit_keys.current_key_id(key_dir):
        return
    key_id = audit_keys.generate(key_dir)
    console.print(f"demo: audit checkpoint signing key {key_id} made in {key_dir}")


def _start_sources_pipeline(settings: Settings) -> PipelineProcess:
    """The demo's HJ 212 gateway, loader and replay of the recorded Hebei day (docs/sources.md),
    and the job worker, in a child process: they are CPU-bound Python, and as threads of this
    process they would hold the web server's GIL while the day is loaded (the worker runs a
    detection job per stored batch). The child prints its own lines."""
    from jingjinji.sources import live

    return live.start_process(
        settings, live.ProcessOptions(label="demo", gateway=True, replay_demo=True, worker=True)
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    load_only: Annotated[bool, typer.Option(help="load the demo data and exit")] = False,
) -> None:
    """Create the embedded database, load the demo data, run worker and server."""

    from jingjinji.app import create_app, server_engine, warm_routes

    if not load_only:
        # The ports demo's two callback subscribers are on loopback (its live one is this
        # server's demo receiver, its dead one a closed port): the serving demo process alone
        # allows 127.0.0.1 as a callback address, unless an allow-list is set already. A
        # --load-only run serves nothing, so it registers them only if one allows loopback.
        os.environ.setdefault("JJJ_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
        os.environ.setdefault("JJJ_PORTS_DEMO_RECEIVER", "1")
        get_settings.cache_clear()
    settings = _demo_settings(get_settings(), host)
    engine = server_engine(settings)
    _prepare(engine)
    factory = make_session_factory(engine)
    from jingjinji import demo as demo_data

    _ensure_demo_audit_key(settings)

    with factory() as session:
        reused = demo_data.is_loaded(session)
    if reused:
        console.print(
            f"demo: the data is loaded already in {_shown(settings.database_url)}; kept as it "
            "is, with what was changed since. To start clean: make demo-reset"
        )
    logins = demo_data.ensure_loaded(
        factory, console=console, options={"ports_receiver_base": f"http://127.0.0.1:{port}"}
    )
    if load_only:
        engine.dispose()
        demo_data.print_logins(console, logins, url=None)
        return
    pipeline = _start_sources_pipeline(settings)
    demo_data.print_logins(console, logins, url=f"http://{host}:{port}/")
    try:
        served = warm_routes(create_app(settings, session_factory=factory))
        _run_server(served, host=host, port=port, log_level="warning")
    finally:
        pipeline.close()


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="run due jobs once and exit")] = False,
    poll: Annotated[float, typer.Option(help="seconds between polls")] = 2.0,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="jobs run at the same time (threads)")
    ] = 1,
    lease_seconds: Annotated[
        float,
        typer.Option(
            min=1.0, help="a claim's lease; a job whose worker stops renewing it is retried"
        ),
    ] = 30.0,
    backoff_seconds: Annotated[
        float, typer.Option(min=0.0, help="first retry delay (doubles per attempt, up to 1 h)")
    ] = 10.0,
) -> None:
    """Run background jobs. Several workers may run side by side (PostgreSQL claims skip each
    other's rows); SIGTERM or Ctrl-C lets running jobs finish, then stops."""
    import signal
    import threading
    from types import FrameType

    from jingjinji import bootstrap
    from jingjinji.jobs import service as jobs

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        bootstrap.require_current_schema(engine)
    except bootstrap.SchemaNotReady as exc:
        engine.dispose()
        raise fail(str(exc)) from None
    factory = make_session_factory(engine)
    if once:
        with factory() as session:
            jobs.queue_periodic(session, last_run={})
        ran = jobs.run_pending(
            factory, lease_seconds=lease_seconds, backoff_seconds=backoff_seconds
        )
        console.print(f"ran {ran} job(s)")
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    console.print(
        f"worker {jobs.worker_id()}: {concurrency} thread(s), lease {lease_seconds:g}s, "
        f"polling every {poll:g}s (SIGTERM or Ctrl-C to stop)"
    )
    jobs.work_forever(
        factory,
        stop=stop,
        poll_seconds=poll,
        lease_seconds=lease_seconds,
        backoff_seconds=backoff_seconds,
        concurrency=concurrency,
    )
    console.print("worker stopped")


def _mount_domain_clis() -> None:
    """``jjj <domain> ...`` for each domain's ``app``, then each domain's ``GROUPS`` inside the
    group its ``MOUNT_UNDER`` names (domains come in DOMAINS order, so that group exists)."""
    groups: dict[str, typer.Typer] = {}
    for module in domains.modules("cli"):
        sub = getattr(module, "app", None)
        if isinstance(sub, typer.Typer):
            name = getattr(module, "NAME", module.__name__.split(".")[-2])
            app.add_typer(sub, name=name)
            groups[name] = sub
        extra: dict[str, typer.Typer] = getattr(module, "GROUPS", {})
        for name, group in extra.items():
            groups[module.MOUNT_UNDER].add_typer(group, name=name)


_mount_domain_clis()

if os.environ.get("JJJ_CLI_DEBUG") == "1":  # pragma: no cover
    app.pretty_exceptions_enable = True
