from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool

import jingjinji.models
from jingjinji import migrate
from jingjinji.db import UTCDateTime

config = context.config
target_metadata = jingjinji.models.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> Any:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "jingjinji.db.UTCDateTime()"
    return False


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable,
            target_metadata=target_metadata,
            render_item=render_item,
            render_as_batch=True,
            include_name=migrate.include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_item=render_item,
            render_as_batch=True,
            include_name=migrate.include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
