"""ports subscriptions: pause, delivery health per subscription and delivery, demo receipts

Revision ID: 0705_ports_subscription_health
Revises: 0704_ports_edifact_submissions
Create Date: 2026-12-02 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jingjinji.db

revision: str = "0705_ports_subscription_health"
down_revision: str | Sequence[str] | None = "0704_ports_edifact_submissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("last_attempt_at", jingjinji.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_success_at", jingjinji.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
    with op.batch_alter_table("ports_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_attempt_at", jingjinji.db.UTCDateTime(), nullable=True))
    op.create_table(
        "ports_demo_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subscription_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("received_at", jingjinji.db.UTCDateTime(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["ports_subscriptions.id"],
            name=op.f("fk_ports_demo_receipts_subscription_pk_ports_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ports_demo_receipts")),
    )
    with op.batch_alter_table("ports_demo_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ports_demo_receipts_subscription_pk"), ["subscription_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ports_demo_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ports_demo_receipts_subscription_pk"))
    op.drop_table("ports_demo_receipts")
    with op.batch_alter_table("ports_deliveries", schema=None) as batch_op:
        batch_op.drop_column("last_attempt_at")
    with op.batch_alter_table("ports_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("last_status")
        batch_op.drop_column("consecutive_failures")
        batch_op.drop_column("last_success_at")
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("paused")
