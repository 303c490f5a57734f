"""progress: corrections of stored values keep their history (progress_value_revisions) and
the value counts its revisions

Revision ID: 0302_progress_value_revisions
Revises: 0301_progress
Create Date: 2026-12-01 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jingjinji.db

revision: str = "0302_progress_value_revisions"
down_revision: str | Sequence[str] | None = "0301_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("progress_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("revised_at", jingjinji.db.UTCDateTime(), nullable=True))
    op.create_table(
        "progress_value_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.Column("previous_value", sa.Float(), nullable=False),
        sa.Column("previous_source", sa.Text(), nullable=False),
        sa.Column("previous_note", sa.Text(), nullable=True),
        sa.Column("previous_submitted_by", sa.String(length=100), nullable=False),
        sa.Column("previous_organisation_id", sa.Integer(), nullable=True),
        sa.Column("previous_entered_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=False),
        sa.Column("revised_by", sa.String(length=100), nullable=False),
        sa.Column("revised_organisation_id", sa.Integer(), nullable=True),
        sa.Column("revised_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_progress_value_revisions_previous_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["revised_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_progress_value_revisions_revised_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["progress_values.id"],
            name=op.f("fk_progress_value_revisions_value_id_progress_values"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_value_revisions")),
    )
    with op.batch_alter_table("progress_value_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_value_revisions_value_id"), ["value_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_value_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_value_revisions_value_id"))
    op.drop_table("progress_value_revisions")
    with op.batch_alter_table("progress_values", schema=None) as batch_op:
        batch_op.drop_column("revised_at")
        batch_op.drop_column("revision")
