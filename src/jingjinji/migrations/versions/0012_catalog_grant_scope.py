"""catalog: a grant may cover only some rows of its dataset (catalog_access_events.row_scope)

Revision ID: 0012_catalog_grant_scope
Revises: 0011_catalog
Create Date: 2026-12-02 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_catalog_grant_scope"
down_revision: str | Sequence[str] | None = "0011_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): the append-only triggers of the table stay as they are.
    op.add_column(
        "catalog_access_events",
        sa.Column(
            "row_scope",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("catalog_access_events", "row_scope")
