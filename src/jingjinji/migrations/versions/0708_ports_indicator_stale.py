"""ports: stale months of the stored indicators; equipment events by eventDateTime

Revision ID: 0708_ports_indicator_stale
Revises: 0707_ports_booking_view
Create Date: 2026-12-03 08:30:00.000000

Intake marks the China-time months its equipment events fall in
(``ports_indicator_stale_months``) and the refresh recomputes only those months and the ones
they reach, reading the events of their windows through ``ix_ports_events_type_at`` instead
of every event. The stored values written before this migration carry no basis: the first
refresh after it rebuilds them whole.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jingjinji.db import UTCDateTime

revision: str = "0708_ports_indicator_stale"
down_revision: str | Sequence[str] | None = "0707_ports_booking_view"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ports_indicator_stale_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("marked_at", UTCDateTime(), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_ports_indicator_stale_months")),
    )
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.create_index("ix_ports_events_type_at", ["event_type", "event_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_events_type_at")
    op.drop_table("ports_indicator_stale_months")
