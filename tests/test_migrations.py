"""Every schema change is a migration: the migrated database matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from jingjinji import migrate
from jingjinji.models import metadata


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": migrate.include_name}
        )
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_no_pending_migrations(engine: Engine) -> None:
    assert migrate.pending(engine) == set()


def test_upgrade_is_idempotent(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.pending(engine) == set()
