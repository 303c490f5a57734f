"""Least privilege on PostgreSQL: the owner role migrates, the application role owns nothing.

The owner of the tables may drop the append-only triggers on ``audit_entries`` and rewrite
history, so the application must not connect as it. ``jjj db grant-app-role`` (run with the
owner's URL) creates or tightens the application role and grants it exactly what the code
needs: SELECT, INSERT, UPDATE and DELETE on the ordinary tables and the use of their sequences;
on the audit tables only SELECT and INSERT (and UPDATE where a row must move: the chain head,
checkpoint delivery attempts); SELECT on ``alembic_version``; no TRUNCATE, REFERENCES or TRIGGER
anywhere, no CREATE in schema ``public``, no grant options, no membership that gives more.
``jjj db upgrade`` re-applies the grants after migrating (``JJJ_APP_ROLE``), in the same
transaction, so a table a later migration adds is covered the moment it exists.

SQLite has no roles; its protection is the file's permissions (docs/operations.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

# Audit tables the application appends to and reads, and nothing else.
AUDIT_INSERT_ONLY = ("audit_entries", "audit_checkpoints")
# Audit tables with a row the application must update: ``audit_head`` (the chain's last
# position, moved on every append) and ``audit_checkpoint_deliveries`` (attempts and status of
# pushing a checkpoint to a witness). Neither can hide a rewrite: the entries stay insert-only
# and every signed checkpoint a witness holds pins the chain up to it.
AUDIT_UPDATED = ("audit_head", "audit_checkpoint_deliveries")
AUDIT_TABLES = AUDIT_INSERT_ONLY + AUDIT_UPDATED
# The migration bookkeeping: the application reads it to refuse to start on an old schema.
READ_ONLY_TABLES = ("alembic_version",)

ORDINARY_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Every table privilege PostgreSQL 13-16 knows: what is not granted must not be held.
ALL_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
ORDINARY_SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")
# nextval() needs USAGE; setval() needs UPDATE, which would let a sequence be rewound.
AUDIT_SEQUENCE_PRIVILEGES = ("USAGE", "SELECT")
ALL_SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")

# Unquoted PostgreSQL identifiers only: the name goes into DDL, which takes no parameters.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

SQLITE_HAS_NO_ROLES = (
    "SQLite has no roles: any process that can write the database file can change anything in "
    "it, the audit triggers included. Protect the file instead: run jjj as a dedicated account "
    "and keep JJJ_VAR_DIR (default ./var) private to it (chmod 700 var; chmod 600 "
    "var/jingjinji.db*), or run on PostgreSQL with an application role (docs/operations.md, "
    "'Database roles')."
)


class RoleSetupError(Exception):
    """The application role cannot be set up as asked; the message says why and what to do."""


@dataclass(frozen=True)
class GrantReport:
    """What the application role holds after :func:`apply_grants`."""

    role: str
    created: bool
    tables: dict[str, tuple[str, ...]]
    sequences: dict[str, tuple[str, ...]]


def table_privileges(table: str) -> tuple[str, ...]:
    """The privileges the application role gets on ``table``."""
    if table in AUDIT_INSERT_ONLY:
        return ("SELECT", "INSERT")
    if table in AUDIT_UPDATED:
        return ("SELECT", "INSERT", "UPDATE")
    if table in READ_ONLY_TABLES:
        return ("SELECT",)
    return ORDINARY_TABLE_PRIVILEGES


def _on_postgres(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "postgresql"


def check_role_name(role: str) -> str:
    if not ROLE_NAME.fullmatch(role):
        raise RoleSetupError(
            f"role name {role!r} is not a plain PostgreSQL identifier: use lower-case letters, "
            "digits and underscores, starting with a letter or underscore (at most 63)"
        )
    return role


def may_change_schema(bind: Connection | Engine) -> bool:
    """Whether the connected role may migrate: SQLite always; on PostgreSQL a role that is (or
    may act as) the owner of ``alembic_version``, or, on a database without a schema yet, one
    that may create tables in ``public``. The application role is neither."""
    if not _on_postgres(bind):
        return True
    sql = text(
        "SELECT COALESCE("
        " (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c"
        "  WHERE c.relname = 'alembic_version' AND c.relnamespace = 'public'::regnamespace),"
        " has_schema_privilege('public', 'CREATE'))"
    )
    if isinstance(bind, Connection):
        return bool(bind.scalar(sql))
    with bind.connect() as connection:
        return bool(connection.scalar(sql))


def grant_app_role(connection: Connection, role: str, *, password: str | None) -> GrantReport:
    """Create the application role if missing (or tighten it), then :func:`apply_grants`.
    Run in one transaction on the owner's connection."""
    _require_postgres(connection)
    check_role_name(role)
    _refuse_owner(connection, role)  # before touching it: the owner's attributes stay its own
    created = _ensure_role(connection, role, password=password)
    report = apply_grants(connection, role)
    return GrantReport(role=role, created=created, tables=report.tables, sequences=report.sequences)


def apply_grants(connection: Connection, role: str) -> GrantReport:
    """Revoke everything from ``role`` on schema ``public``, grant exactly what the application
    needs on every current table and sequence, and check the result (memberships included)."""
    _require_postgres(connection)
    check_role_name(role)
    if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
        raise RoleSetupError(
            f"role {role!r} does not exist: create it with `jjj db grant-app-role --role {role}` "
            "(JJJ_APP_ROLE names the role `jjj db upgrade` grants to)"
        )
    _refuse_owner(connection, role)
    quoted = _quote(connection, role)
    tables = list(
        connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        )
    )
    sequences = connection.execute(
        text(
            "SELECT s.relname, t.relname FROM pg_class s"
            " LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
            "  AND d.deptype IN ('a', 'i')"
            " LEFT JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace"
            " ORDER BY s.relname"
        )
    ).all()
    for statement in (
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}, PUBLIC",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}, PUBLIC",
        f"REVOKE CREATE ON SCHEMA public FROM {quoted}, PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
    ):
        connection.execute(text(statement))
    granted_tables: dict[str, tuple[str, ...]] = {}
    for table in tables:
        privileges = table_privileges(table)
        connection.execute(
            text(f"GRANT {', '.join(privileges)} ON TABLE {_quote(connection, table)} TO {quoted}")
        )
        granted_tables[table] = privileges
    granted_sequences: dict[str, tuple[str, ...]] = {}
    for sequence, owning_table in sequences:
        privileges = (
            AUDIT_SEQUENCE_PRIVILEGES
            if owning_table in AUDIT_TABLES
            else ORDINARY_SEQUENCE_PRIVILEGES
        )
        connection.execute(
            text(
                f"GRANT {', '.join(privileges)} ON SEQUENCE {_quote(connection, sequence)} "
                f"TO {quoted}"
            )
        )
        granted_sequences[sequence] = privileges
    _check_effective(connection, role, granted_tables, granted_sequences)
    return GrantReport(role=role, created=False, tables=granted_tables, sequences=granted_sequences)


def _require_postgres(connection: Connection) -> None:
    if not _on_postgres(connection):
        raise RoleSetupError(SQLITE_HAS_NO_ROLES)


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def _ensure_role(connection: Connection, role: str, *, password: str | None) -> bool:
    """Create ``role`` with the attributes of an application role, or bring an existing one to
    them; True if it was created."""
    quoted = _quote(connection, role)
    password_clause = ""
    if password is not None:
        if "\x00" in password or not password:
            raise RoleSetupError("the password file is empty or holds a NUL byte")
        password_clause = f" PASSWORD {_literal(connection, password)}"
    row = connection.execute(
        text(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls"
            " OR NOT rolcanlogin FROM pg_roles WHERE rolname = :r"
        ),
        {"r": role},
    ).first()
    if row is None:
        statement = f"CREATE ROLE {quoted} WITH {_ROLE_ATTRIBUTES}{password_clause}"
    elif row[0] or password_clause:
        statement = f"ALTER ROLE {quoted} WITH {_ROLE_ATTRIBUTES}{password_clause}"
    else:
        return False
    try:
        with connection.begin_nested():
            connection.execute(text(statement))
    except DBAPIError as exc:
        verb, by_hand = ("create", "CREATE") if row is None else ("alter", "ALTER")
        raise RoleSetupError(
            f"the owner role may not {verb} role {role!r} ({_first_line(exc)}); give the owner "
            f"CREATEROLE, or have a superuser run `{by_hand} ROLE {role} WITH "
            f"{_ROLE_ATTRIBUTES} PASSWORD '...'` and run this command again without "
            "--password-file"
        ) from exc
    return row is None


def _literal(connection: Connection, value: str) -> str:
    """``value`` as an SQL string literal, quoted by the driver (DDL takes no parameters)."""
    from psycopg import sql

    raw = connection.connection.driver_connection
    return sql.Literal(value).as_string(raw)


def _refuse_owner(connection: Connection, role: str) -> None:
    """The application role must own nothing and be unable to act as an owner."""
    if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
        return  # a role still to be created owns nothing
    owned = list(
        connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c"
                " WHERE c.relnamespace = 'public'::regnamespace"
                "  AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')"
                "  AND pg_has_role(:r, c.relowner, 'USAGE')"
                " ORDER BY c.relname LIMIT 5"
            ),
            {"r": role},
        )
    )
    if owned:
        raise RoleSetupError(
            f"role {role!r} owns, or may act as the owner of, {', '.join(owned)}: the "
            "application role must own nothing. Use a role of its own (not the owner, not a "
            "member of it, not a superuser) and keep the owner's URL for `jjj db upgrade`"
        )


def _check_effective(
    connection: Connection,
    role: str,
    tables: dict[str, tuple[str, ...]],
    sequences: dict[str, tuple[str, ...]],
) -> None:
    """What ``role`` holds, through PUBLIC and memberships too, is exactly what was granted."""
    wrong: list[str] = []
    # has_any_column_privilege: a grant on one column is as good as one on the table.
    held_on_tables = connection.execute(
        text(
            "SELECT t, p, CASE WHEN p IN ('DELETE', 'TRUNCATE', 'TRIGGER')"
            "  THEN has_table_privilege(:r, 'public.' || quote_ident(t), p)"
            "  ELSE has_any_column_privilege(:r, 'public.' || quote_ident(t), p) END"
            " FROM unnest(CAST(:tables AS text[])) AS t, unnest(CAST(:privileges AS text[])) AS p"
        ),
        {"r": role, "tables": list(tables), "privileges": list(ALL_TABLE_PRIVILEGES)},
    ).all()
    for table, privilege, held in held_on_tables:
        if bool(held) != (privilege in tables[table]):
            problem = f"{privilege} on {table} {'held' if held else 'missing'}"
            # The audit tables first: they are what the role must not be able to rewrite.
            wrong.insert(0 if table in AUDIT_TABLES else len(wrong), problem)
    held_on_sequences = connection.execute(
        text(
            "SELECT s, p, has_sequence_privilege(:r, 'public.' || quote_ident(s), p)"
            " FROM unnest(CAST(:sequences AS text[])) AS s,"
            " unnest(CAST(:privileges AS text[])) AS p"
        ),
        {"r": role, "sequences": list(sequences), "privileges": list(ALL_SEQUENCE_PRIVILEGES)},
    ).all()
    for sequence, privilege, held in held_on_sequences:
        if bool(held) != (privilege in sequences[sequence]):
            wrong.append(f"{privilege} on sequence {sequence} {'held' if held else 'missing'}")
    if connection.scalar(text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"), {"r": role}):
        wrong.append("CREATE on schema public held (the owner of schema public must revoke it)")
    if wrong:
        memberships = ", ".join(
            connection.scalars(
                text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                    " JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :r ORDER BY 1"
                ),
                {"r": role},
            )
        )
        raise RoleSetupError(
            f"role {role!r} does not hold exactly the application's privileges: "
            + "; ".join(wrong[:10])
            + (f" (and {len(wrong) - 10} more)" if len(wrong) > 10 else "")
            + f". Its role memberships: {memberships or 'none'}; revoke those that give more"
        )


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
