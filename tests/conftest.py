"""Test harness: every database test runs on SQLite and on PostgreSQL.

- ``db_url`` is parametrised over both backends. SQLite gets a fresh copy of a migrated template
  file per test; PostgreSQL gets one migrated database per test process, emptied (TRUNCATE) after
  each test.
- Under ``CI=true`` a missing PostgreSQL or chromium fails the run; elsewhere those tests skip.
- ``people`` builds the standard personas (demo organisations and users) through the services.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import bootstrap
from jingjinji.accounts import service as accounts_service
from jingjinji.app import create_app
from jingjinji.config import Settings
from jingjinji.db import make_engine, make_session_factory
from jingjinji.models import metadata
from jingjinji.security import Actor

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]

# Property tests check values, not speed: no per-example deadline (a loaded 2-core CI machine
# would make one flaky). In CI the examples are derandomised so a run is reproducible; locally
# each run explores new ones.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if IN_CI else "dev")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    # Production parameters cost ~0.1 s a hash; tests create many users.
    accounts_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def _no_audit_checkpoint_key() -> Iterator[None]:
    """Without this, ``audit.record`` would sign checkpoints with whatever key the checkout's
    ``var/audit-keys`` holds (``make demo`` makes one): each test starts keyless, and the audit
    tests configure the keys they use."""
    from jingjinji.audit import checkpoints

    checkpoints.configure(checkpoints.CheckpointConfig())
    yield
    checkpoints.configure(checkpoints.CheckpointConfig())


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any connection failure means "not available"
        return str(exc).splitlines()[0]


def require_or_skip(what: str, reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}", pytrace=False)
    pytest.skip(f"{what} not available: {reason}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    bootstrap.prepare_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    problem = pg_available()
    if problem is not None:
        require_or_skip("PostgreSQL", problem)
    name = f"jjj_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test never survives a crash of the PostgreSQL server: commits need not wait for
        # the WAL to reach the disk (visibility and ordering are unchanged).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    bootstrap.prepare_database(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _empty_all_tables(engine: Engine) -> None:
    """Delete every row and restart every column's sequence, as ``TRUNCATE ... RESTART IDENTITY``
    would. TRUNCATE gives each of the ~100 tables a new file, about 0.8 s a test; DELETE on the
    few rows a test leaves takes milliseconds. ``session_replication_role = replica`` (the test
    role is a superuser) switches off the foreign keys and the append-only triggers for this
    transaction only, so the order does not matter and the audit tables empty too."""
    from sqlalchemy import inspect

    present = set(inspect(engine).get_table_names())
    tables = [t.name for t in metadata.sorted_tables if t.name in present]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        # The sequences owned by columns (serial: 'a', identity: 'i'), as RESTART IDENTITY.
        conn.execute(
            text(
                "SELECT setval(d.objid::regclass, 1, false) FROM pg_depend d "
                "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                "JOIN pg_namespace n ON n.oid = s.relnamespace AND n.nspname = 'public' "
                "WHERE d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass"
            )
        )


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_database")
    yield url
    engine = make_engine(url)
    _empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def backend(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from jingjinji.db import session_scope
    from jingjinji.regions import service as regions_service

    engine = make_engine(db_url)
    # Every test starts from a migrated database holding exactly the region hierarchy.
    with session_scope(make_session_factory(engine)) as session:
        regions_service.load_region(session)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # TestClient speaks http://testserver: Secure cookies would never come back. The app gets a
    # stream and subject prefix of its own, so the gateway counters a page reads from NATS are
    # this test's (a demo, benchmark or other test on the same NATS writes to its own).
    own = uuid.uuid4().hex[:10]
    return Settings(
        database_url=db_url,
        secret_key="test-secret-key",
        var_dir=tmp_path,
        secure_cookies=False,
        sources_stream=f"JJJ_TEST_{own.upper()}",
        sources_subject_prefix=f"jjjtest.{own}",
    )


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@dataclass
class People:
    """The standard personas, made by the demo loaders (which go through the services)."""

    actors: dict[str, Actor]
    organisations: dict[str, int]
    password: str

    def __getitem__(self, username: str) -> Actor:
        return self.actors[username]

    def token(self, session_factory: sessionmaker[Session], username: str) -> str:
        with session_factory() as session:
            _, secret = accounts_service.create_token(
                session, actor=self.actors[username], name=f"test-{username}"
            )
            session.commit()
        return secret

    def headers(self, session_factory: sessionmaker[Session], username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(session_factory, username)}"}


@pytest.fixture
def people(session_factory: sessionmaker[Session]) -> People:
    from jingjinji.accounts import demo as accounts_demo
    from jingjinji.accounts.models import User
    from jingjinji.demo import DemoContext
    from jingjinji.regions import demo as regions_demo

    ctx = DemoContext()
    with session_factory() as session:
        regions_demo.load(session, ctx)
        accounts_demo.load(session, ctx)
        session.commit()
        actors = {
            user.username: accounts_service.actor_of(user, channel="api")
            for user in session.scalars(select(User))
        }
    return People(
        actors=actors,
        organisations=ctx.values["organisations"],
        password=accounts_demo.DEMO_PASSWORD,
    )


def login(client: TestClient, username: str, password: str) -> None:
    """Log a TestClient in through the real login form (CSRF included)."""
    page = client.get("/login")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_from(html: str) -> str:
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


# --- browser tests -------------------------------------------------------------------------


@pytest.fixture
def live_server(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[object]:
    """The app on a free localhost port, over the test's database (both backends)."""
    from tests.browser_support import serve

    yield from serve(settings, session_factory)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from tests.browser_support import launch_browser, skip_unless_browser

    skip_unless_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
