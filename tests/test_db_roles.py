"""Least privilege on PostgreSQL: the application role does the platform's work but cannot
rewrite the audit trail, change the schema or hand out privileges.

One fresh database per module, owned by a non-superuser owner role (as in production): `jjj db
upgrade` migrates as the owner, `jjj db grant-app-role` creates the application role, and the
tests connect as that role. Every tampering statement is checked on its own and must fail with
SQLSTATE 42501 (insufficient privilege). PostgreSQL only: SQLite has no roles (its refusal is in
tests/test_cli.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from jingjinji import bootstrap, dbroles, migrate
from jingjinji.accounts import service as accounts_service
from jingjinji.accounts.models import User
from jingjinji.accounts.schemas import UserIn
from jingjinji.app import create_app
from jingjinji.audit import service as audit_service
from jingjinji.audit.models import AuditEntry
from jingjinji.cli import app as cli_app
from jingjinji.config import Settings, get_settings
from jingjinji.db import make_engine, make_session_factory, session_scope
from jingjinji.demo import DemoContext
from jingjinji.security import Role
from tests.conftest import PG_ADMIN_URL, require_or_skip

# One worker sets the roles database up once for the module (with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("db_roles")

PASSWORD = "app-role-password-for-tests"
STRONG_PASSWORD = "Seven-bridges-over-the-Hai-river-2026"
# What an insufficient privilege says, whichever check refuses it.
REFUSED = re.compile(r"permission denied|must be owner|must be superuser|must have admin option")


@dataclass(frozen=True)
class RolesDatabase:
    name: str
    owner: str
    app_role: str
    owner_url: str
    app_url: str
    var_dir: Path

    def env(self, **extra: str | None) -> dict[str, str | None]:
        return {
            "JJJ_OWNER_DATABASE_URL": self.owner_url,
            "JJJ_DATABASE_URL": self.app_url,
            "JJJ_VAR_DIR": str(self.var_dir),
            "JJJ_APP_ROLE": None,
            **extra,
        }


def jjj(args: list[str], env: dict[str, str | None]) -> Result:
    """`jjj ARGS` in-process with ``env``; settings are read afresh and forgotten after."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, args, env=env, prog_name="jjj")
    finally:
        get_settings.cache_clear()


def said(result: Result) -> str:
    """What a command printed, on one line (the console wraps long messages)."""
    return " ".join(result.output.split())


def _url(username: str, database: str) -> str:
    return (
        make_url(PG_ADMIN_URL)
        .set(username=username, password=None, database=database)
        .render_as_string(hide_password=False)
    )


def _drop(admin: Engine, database: str) -> None:
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": database},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))


@pytest.fixture(scope="module")
def roles_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RolesDatabase]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:  # as the conftest: a failure under CI=true, else a skip
        require_or_skip("PostgreSQL", str(exc.orig).splitlines()[0])
    suffix = uuid.uuid4().hex[:8]
    db = RolesDatabase(
        name=f"jjj_roles_{suffix}",
        owner=f"jjj_owner_{suffix}",
        app_role=f"jjj_app_{suffix}",
        owner_url=_url(f"jjj_owner_{suffix}", f"jjj_roles_{suffix}"),
        app_url=_url(f"jjj_app_{suffix}", f"jjj_roles_{suffix}"),
        var_dir=tmp_path_factory.mktemp("db-roles"),
    )
    with admin.connect() as conn:
        # The owner is no superuser: CREATEROLE lets it create the application role.
        conn.execute(text(f"CREATE ROLE {db.owner} LOGIN CREATEROLE"))
        conn.execute(text(f"CREATE DATABASE {db.name} OWNER {db.owner}"))
    try:
        upgraded = jjj(["db", "upgrade"], db.env())
        assert upgraded.exit_code == 0, upgraded.output
        password_file = db.var_dir / "app-password"
        password_file.write_text(PASSWORD + "\n")
        granted = jjj(
            ["db", "grant-app-role", "--role", db.app_role, "--password-file", str(password_file)],
            db.env(),
        )
        assert granted.exit_code == 0, granted.output
        assert f"role '{db.app_role}' created" in granted.output
        yield db
    finally:
        _drop(admin, db.name)
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {db.app_role}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {db.owner}"))
        admin.dispose()


@pytest.fixture
def app_engine(roles_db: RolesDatabase) -> Iterator[Engine]:
    engine = make_engine(roles_db.app_url)
    yield engine
    engine.dispose()


@pytest.fixture
def owner_engine(roles_db: RolesDatabase) -> Iterator[Engine]:
    engine = make_engine(roles_db.owner_url)
    yield engine
    engine.dispose()


def test_the_application_role_is_plain_and_owns_nothing(roles_db: RolesDatabase) -> None:
    admin = create_engine(make_url(PG_ADMIN_URL).set(database=roles_db.name), poolclass=NullPool)
    with admin.connect() as conn:
        attributes = conn.execute(
            text(
                "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls,"
                " rolreplication, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = :r"
            ),
            {"r": roles_db.app_role},
        ).one()
        owned = conn.scalar(
            text("SELECT count(*) FROM pg_class WHERE relowner = CAST(:r AS regrole)"),
            {"r": roles_db.app_role},
        )
        audit_tables = list(
            conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename = ANY(:names) ORDER BY 1"
                ),
                {"names": list(dbroles.AUDIT_TABLES)},
            )
        )
        privileges = {
            (table, privilege): conn.scalar(
                text("SELECT has_table_privilege(:r, :t, :p)"),
                {"r": roles_db.app_role, "t": table, "p": privilege},
            )
            for table in [*audit_tables, "users", "alembic_version"]
            for privilege in dbroles.ALL_TABLE_PRIVILEGES
        }
    admin.dispose()
    assert tuple(attributes) == (True, False, False, False, False, False, True)
    assert owned == 0
    assert {"audit_entries", "audit_head"} <= set(audit_tables)
    for table in audit_tables:
        held = {p for p in dbroles.ALL_TABLE_PRIVILEGES if privileges[table, p]}
        expected = {"SELECT", "INSERT"} | ({"UPDATE"} if table in dbroles.AUDIT_UPDATED else set())
        assert held == expected, table
    assert {p for p in dbroles.ALL_TABLE_PRIVILEGES if privileges["users", p]} == {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    }
    assert {p for p in dbroles.ALL_TABLE_PRIVILEGES if privileges["alembic_version", p]} == {
        "SELECT"
    }


def test_the_application_role_does_the_platforms_work(
    roles_db: RolesDatabase, app_engine: Engine
) -> None:
    from jingjinji.accounts import demo as accounts_demo
    from jingjinji.regions import demo as regions_demo

    # What `jjj serve` does first: as the application role it checks, never migrates.
    assert not dbroles.may_change_schema(app_engine)
    bootstrap.prepare_database(app_engine)
    factory = make_session_factory(app_engine)
    suffix = uuid.uuid4().hex[:6]
    with session_scope(factory) as session:
        ctx = DemoContext()
        regions_demo.load(session, ctx)
        accounts_demo.load(session, ctx)
    with session_scope(factory) as session:
        office = accounts_service.actor_of(
            session.scalars(select(User).where(User.username == accounts_demo.OFFICE_ADMIN)).one(),
            channel="api",
        )
        accounts_service.create_user(
            session,
            actor=office,
            data=UserIn(
                username=f"bj-role-{suffix}",
                display_name="Created as the application role",
                password=STRONG_PASSWORD,
                role=Role.ANALYST,
                organisation_id=ctx.values["organisations"]["bj_drc"],
            ),
        )
        recorded = audit_service.record(
            session,
            actor=office,
            action="db_roles.test",
            object_type="database",
            object_id=suffix,
        )
        seq = recorded.seq
        _, token = accounts_service.create_token(session, actor=office, name=f"roles-{suffix}")
    with factory() as session:
        entry = session.get(AuditEntry, seq)
        assert entry is not None
        assert (entry.action, entry.object_id) == ("db_roles.test", suffix)
        assert session.scalar(select(User.id).where(User.username == f"bj-role-{suffix}"))
    settings = Settings(
        database_url=roles_db.app_url,
        secret_key="test-secret-key",
        var_dir=roles_db.var_dir,
        secure_cookies=False,
    )
    with TestClient(create_app(settings, session_factory=factory)) as client:
        created = client.post(
            "/api/v1/users",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "username": f"tj-role-{suffix}",
                "display_name": "Created through the API as the application role",
                "password": STRONG_PASSWORD,
                "role": "analyst",
                "organisation_id": ctx.values["organisations"]["tj_drc"],
            },
        )
    assert created.status_code == 201, created.text
    with factory() as session:
        assert session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.action == "user.create",
                AuditEntry.object_id == str(created.json()["id"]),
            )
        )
        assert audit_service.verify(session).ok


# Each alone, as the application role ({owner} and {app} name the roles).
TAMPERING = [
    "UPDATE audit_entries SET action = 'forged'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
    "DELETE FROM audit_head",
    "TRUNCATE audit_head",
    "DROP TRIGGER audit_entries_no_change ON audit_entries",
    "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change",
    "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
    "DROP FUNCTION audit_entries_append_only()",
    "DROP TABLE audit_entries",
    "ALTER TABLE audit_entries OWNER TO CURRENT_USER",
    "CREATE TABLE public.forged_entries (seq integer)",
    "CREATE TABLE forged_entries (seq integer)",
    "UPDATE alembic_version SET version_num = 'forged'",
    "TRUNCATE users",
    "GRANT {owner} TO {app}",
    "SET ROLE {owner}",
    "ALTER ROLE {app} SUPERUSER",
    "ALTER ROLE {app} BYPASSRLS",
    "CREATE SCHEMA forged AUTHORIZATION {app}",
]


@pytest.mark.parametrize("template", TAMPERING)
def test_the_application_role_is_refused(
    roles_db: RolesDatabase, app_engine: Engine, template: str
) -> None:
    statement = template.format(owner=roles_db.owner, app=roles_db.app_role)
    with app_engine.connect() as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text(statement))
    sqlstate = getattr(refused.value.orig, "sqlstate", None)
    assert sqlstate == "42501", f"{statement}: {sqlstate} {refused.value.orig}"
    assert REFUSED.search(str(refused.value.orig)), f"{statement}: {refused.value.orig}"


def test_a_grant_by_the_application_role_grants_nothing(
    roles_db: RolesDatabase, app_engine: Engine
) -> None:
    """A role without grant options gets a warning, not an error, from GRANT on a table it
    may use: nothing changes."""
    warnings: list[str] = []
    with app_engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.add_notice_handler(lambda notice: warnings.append(str(notice.message_primary)))  # type: ignore[union-attr]
        for statement in (
            "GRANT UPDATE, DELETE, TRUNCATE ON audit_entries TO PUBLIC",
            f"GRANT ALL ON audit_entries TO {roles_db.app_role}",
            "GRANT CREATE ON SCHEMA public TO PUBLIC",
        ):
            conn.execute(text(statement))
        conn.commit()
        held = conn.execute(
            text(
                "SELECT has_table_privilege(:r, 'audit_entries', 'UPDATE'),"
                " has_table_privilege(:r, 'audit_entries', 'DELETE'),"
                " has_table_privilege(:r, 'audit_entries', 'TRUNCATE'),"
                " has_schema_privilege(:r, 'public', 'CREATE')"
            ),
            {"r": roles_db.app_role},
        ).one()
    assert tuple(held) == (False, False, False, False)
    assert len(warnings) == 3
    assert all("no privileges were granted" in w for w in warnings), warnings


def _insert_into(conn: Connection, table: str) -> None:
    conn.execute(text(f"INSERT INTO {table} (note) VALUES ('from the application role')"))


def test_upgrade_grants_tables_a_later_migration_adds(
    roles_db: RolesDatabase, app_engine: Engine, owner_engine: Engine
) -> None:
    table = f"later_{uuid.uuid4().hex[:6]}"
    with owner_engine.begin() as conn:  # what a later migration does
        conn.execute(text(f"CREATE TABLE {table} (id serial PRIMARY KEY, note text)"))
    try:
        with app_engine.connect() as conn, pytest.raises(DBAPIError) as before:
            _insert_into(conn, table)
        assert getattr(before.value.orig, "sqlstate", None) == "42501"
        upgraded = jjj(["db", "upgrade"], roles_db.env(JJJ_APP_ROLE=roles_db.app_role))
        assert upgraded.exit_code == 0, upgraded.output
        assert f"privileges of application role '{roles_db.app_role}' re-applied" in (
            upgraded.output
        )
        with app_engine.begin() as conn:
            _insert_into(conn, table)
            conn.execute(text(f"DELETE FROM {table}"))
        # ... and the audit trail is still closed to it.
        with app_engine.connect() as conn, pytest.raises(DBAPIError) as after:
            conn.execute(text("DELETE FROM audit_entries"))
        assert getattr(after.value.orig, "sqlstate", None) == "42501"
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))


def test_a_pending_migration_stops_the_application_role_with_the_fix(
    roles_db: RolesDatabase, app_engine: Engine, owner_engine: Engine
) -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config(roles_db.app_url)).get_heads()
    head = sorted(heads)[-1]
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": head})
    try:
        with pytest.raises(bootstrap.SchemaNotReady) as stopped:
            bootstrap.prepare_database(app_engine)
        message = str(stopped.value)
        assert f"pending: {head}" in message
        assert "`jjj db upgrade`" in message and "JJJ_OWNER_DATABASE_URL" in message
        for command in (["serve", "--port", "1"], ["worker", "--once"]):
            result = jjj(command, roles_db.env())
            assert result.exit_code == 1, (command, result.output)
            assert "Run `jjj db upgrade` with JJJ_OWNER_DATABASE_URL" in said(result), said(result)
        assert migrate.pending(app_engine) == {head}  # nothing was migrated meanwhile
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    assert migrate.pending(app_engine) == set()


def test_the_application_role_does_not_create_a_schema(roles_db: RolesDatabase) -> None:
    empty = f"{roles_db.name}_empty"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {empty} OWNER {roles_db.owner}"))
    engine = make_engine(_url(roles_db.app_role, empty))
    try:
        with pytest.raises(bootstrap.SchemaNotReady, match="has no schema yet"):
            bootstrap.prepare_database(engine)
    finally:
        engine.dispose()
        _drop(admin, empty)
        admin.dispose()


def test_grant_app_role_refuses_the_owner_and_bad_names(roles_db: RolesDatabase) -> None:
    as_owner = jjj(["db", "grant-app-role", "--role", roles_db.owner], roles_db.env())
    assert as_owner.exit_code == 1
    assert "the application role must own nothing" in said(as_owner)
    quoted = jjj(["db", "grant-app-role", "--role", 'app"; DROP TABLE users; --'], roles_db.env())
    assert quoted.exit_code == 1
    assert "not a plain PostgreSQL identifier" in said(quoted)


def test_grant_app_role_refuses_a_role_whose_membership_gives_more(
    roles_db: RolesDatabase,
) -> None:
    """PostgreSQL's predefined pg_write_all_data would let the role UPDATE and DELETE the
    audit entries whatever the table grants say: the effective privileges are checked."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"GRANT pg_write_all_data TO {roles_db.app_role}"))
    try:
        refused = jjj(["db", "grant-app-role", "--role", roles_db.app_role], roles_db.env())
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"REVOKE pg_write_all_data FROM {roles_db.app_role}"))
        admin.dispose()
    assert refused.exit_code == 1, said(refused)
    assert "UPDATE on audit_entries held" in said(refused)
    assert "Its role memberships: pg_write_all_data" in said(refused)
    again = jjj(["db", "grant-app-role", "--role", roles_db.app_role], roles_db.env())
    assert again.exit_code == 0, said(again)
    assert f"role '{roles_db.app_role}' checked" in said(again)
