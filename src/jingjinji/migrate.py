"""Schema migrations (Alembic) run from code: `jjj db upgrade`, tests and the demo use this."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: Tables partitioned on PostgreSQL (migration 0501_sources). Their partitions
#: (``<parent>_default``, ``<parent>_y2016m08``, ``<parent>_y2016m08_rt``, ...) are made at run
#: time, not by migrations, so schema comparison leaves them out.
PARTITIONED_TABLES = ("source_packets", "source_values")


def is_partition(table_name: str) -> bool:
    """Whether ``table_name`` is a partition of one of PARTITIONED_TABLES."""
    return any(table_name.startswith(f"{parent}_") for parent in PARTITIONED_TABLES)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the partitions."""
    return not (type_ == "table" and name is not None and is_partition(name))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, *, then: Callable[[Connection], object] | None = None) -> None:
    """Apply every pending migration; ``then`` runs in the same transaction afterwards (the
    application role's grants: a table a migration adds is never visible without them)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
        if then is not None:
            then(connection)


def pending(engine: Engine) -> set[str]:
    """Head revisions not yet applied to this database."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return heads - current


def revision(
    engine: Engine, *, message: str, rev_id: str, head: str, branch_label: str | None = None
) -> None:
    """Autogenerate a migration (developer tool: `jjj db revision`)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(
            cfg,
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=head,
            branch_label=branch_label,
        )
