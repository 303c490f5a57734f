"""catalog: a field's description in Chinese (catalog_fields.description_zh)

Revision ID: 0014_catalog_field_zh
Revises: 0013_catalog_metadata
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_catalog_field_zh"
down_revision: str | Sequence[str] | None = "0013_catalog_metadata"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "catalog_fields",
        sa.Column("description_zh", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("catalog_fields", "description_zh")
