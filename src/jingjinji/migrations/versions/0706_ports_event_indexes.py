"""ports: index of the boxes that passed each location (the transhipment partner's rule)

Revision ID: 0706_ports_event_indexes
Revises: 0705_ports_subscription_health
Create Date: 2026-12-02 16:00:00.000000

A terminal reads the events of every box that had an event at one of its locations. As an
``IN (SELECT ...)`` that list was built whole on each page (about two million rows at 10 million
events: benchmarks/bench_ports_events.py); as an ``EXISTS`` it is one probe of this index per
candidate event, answered from the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0706_ports_event_indexes"
down_revision: str | Sequence[str] | None = "0705_ports_subscription_health"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ports_events_equipment_location",
            ["equipment_reference", "un_location_code"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_events_equipment_location")
