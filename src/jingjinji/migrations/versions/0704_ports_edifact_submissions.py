"""ports: EDIFACT submissions (intake as a background job) and stored indicator values

Revision ID: 0704_ports_edifact_submissions
Revises: 0703_ports_orders
Create Date: 2026-12-02 15:35:17.766221
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import jingjinji.db

revision: str = "0704_ports_edifact_submissions"
down_revision: str | Sequence[str] | None = "0703_ports_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "ports_indicator_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "row",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ports_indicator_values")),
    )
    with op.batch_alter_table("ports_indicator_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ports_indicator_values_kind_month", ["kind", "month"], unique=False
        )

    op.create_table(
        "ports_edifact_submissions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("jurisdiction_code", sa.String(length=12), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("sender", sa.String(length=35), nullable=False),
        sa.Column("control_ref", sa.String(length=14), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("messages_accepted", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column(
            "event_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "warnings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("failure", sa.String(length=2000), nullable=True),
        sa.Column("submitted_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", jingjinji.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ports_edifact_submissions_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ports_edifact_submissions")),
    )
    with op.batch_alter_table("ports_edifact_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ports_edifact_submissions_org", ["organisation_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ports_edifact_submissions_sha256"), ["sha256"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("ports_edifact_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ports_edifact_submissions_sha256"))
        batch_op.drop_index("ix_ports_edifact_submissions_org")

    op.drop_table("ports_edifact_submissions")
    with op.batch_alter_table("ports_indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_indicator_values_kind_month")

    op.drop_table("ports_indicator_values")
