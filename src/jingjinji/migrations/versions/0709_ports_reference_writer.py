"""ports: the writer's organisation on each event reference (the carrier's rule in one probe)

Revision ID: 0709_ports_reference_writer
Revises: 0708_ports_indicator_stale
Create Date: 2026-12-04 03:30:00.000000

A carrier reads the events carrying a booking reference (BKG) that one of its own events
carries. The rule joined ``ports_events`` to find the writer of every event sharing a
candidate's booking (about 8 probes of ``ix_ports_events_id_writer`` per candidate at 200,000
events). ``ports_event_references.writer_organisation_id`` copies ``ports_events.organisation_id``
(None for the office or a system actor, as there); intake fills it and this migration backfills
it from the events, so one index-only probe of ``ix_ports_event_references_writer``
``(kind, value, writer_organisation_id)`` answers a candidate.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0709_ports_reference_writer"
down_revision: str | Sequence[str] | None = "0708_ports_indicator_stale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports_event_references", schema=None) as batch_op:
        batch_op.add_column(sa.Column("writer_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ports_event_references_writer_organisation_id_organisations"),
            "organisations",
            ["writer_organisation_id"],
            ["id"],
        )
    op.execute(
        "UPDATE ports_event_references SET writer_organisation_id = (SELECT e.organisation_id "
        "FROM ports_events e WHERE e.id = ports_event_references.event_pk)"
    )
    with op.batch_alter_table("ports_event_references", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ports_event_references_writer",
            ["kind", "value", "writer_organisation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ports_event_references", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_event_references_writer")
        batch_op.drop_constraint(
            batch_op.f("fk_ports_event_references_writer_organisation_id_organisations"),
            type_="foreignkey",
        )
        batch_op.drop_column("writer_organisation_id")
