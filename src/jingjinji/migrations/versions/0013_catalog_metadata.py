"""catalog: publication metadata of datasets (licence, contact, temporal coverage) and tags

Revision ID: 0013_catalog_metadata
Revises: 0012_catalog_grant_scope
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_catalog_metadata"
down_revision: str | Sequence[str] | None = "0012_catalog_grant_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "catalog_datasets",
        sa.Column("licence", sa.String(length=64), server_default="", nullable=False),
    )
    op.add_column(
        "catalog_datasets",
        sa.Column("maintainer_name", sa.String(length=200), server_default="", nullable=False),
    )
    op.add_column(
        "catalog_datasets",
        sa.Column("maintainer_email", sa.String(length=200), server_default="", nullable=False),
    )
    op.add_column("catalog_datasets", sa.Column("temporal_start", sa.Date(), nullable=True))
    op.add_column("catalog_datasets", sa.Column("temporal_end", sa.Date(), nullable=True))
    op.create_table(
        "catalog_dataset_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["catalog_datasets.id"],
            name=op.f("fk_catalog_dataset_tags_dataset_id_catalog_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_dataset_tags")),
        sa.UniqueConstraint(
            "dataset_id", "lang", "tag", name=op.f("uq_catalog_dataset_tags_dataset_id_lang_tag")
        ),
    )
    op.create_index(
        op.f("ix_catalog_dataset_tags_dataset_id"),
        "catalog_dataset_tags",
        ["dataset_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_dataset_tags_dataset_id"), table_name="catalog_dataset_tags")
    op.drop_table("catalog_dataset_tags")
    with op.batch_alter_table("catalog_datasets", schema=None) as batch_op:
        batch_op.drop_column("temporal_end")
        batch_op.drop_column("temporal_start")
        batch_op.drop_column("maintainer_email")
        batch_op.drop_column("maintainer_name")
        batch_op.drop_column("licence")
