"""ports: drop ix_ports_events_id_writer, which no query needs since 0709

Revision ID: 0710_ports_drop_id_writer
Revises: 0709_ports_reference_writer
Create Date: 2026-12-04 07:30:00.000000

``ix_ports_events_id_writer (id, organisation_id)`` answered "who wrote event n" from the index
alone for the carrier's rule (0707); since 0709 the rule reads the writer from the references
(``ix_ports_event_references_writer``). ``EXPLAIN`` of every ports query that reads events by
id (the booking filters of each reader, the carrier's page, one event, the subscription
fan-out, the callbacks, the recent deliveries) chose it only as a plain Index Scan on ``id``,
where ``pk_ports_events`` gives the same plan at the same cost; no plan read it index-only.
It cost every intake an index entry per event. The downgrade builds it again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0710_ports_drop_id_writer"
down_revision: str | Sequence[str] | None = "0709_ports_reference_writer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_events_id_writer")


def downgrade() -> None:
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.create_index("ix_ports_events_id_writer", ["id", "organisation_id"], unique=False)
