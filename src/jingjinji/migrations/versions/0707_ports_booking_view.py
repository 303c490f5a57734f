"""ports: the indexes of the carrier's rule as an EXISTS probe; why a location's code is assumed

Revision ID: 0707_ports_booking_view
Revises: 0706_ports_event_indexes
Create Date: 2026-12-03 08:00:00.000000

A carrier reads the events carrying one of its booking references. As ``id IN (references
whose value IN (every booking the carrier ever wrote))`` both lists were built whole on each
page; as a correlated ``EXISTS`` each candidate event of the page's index order is probed:
its BKG values from ``ix_ports_event_references_event`` (replacing the index on ``event_pk``
alone, a prefix of it), the events carrying each value from ``ix_ports_event_references_value``
and their writer from ``ix_ports_events_id_writer``: every probe from an index alone (the
writer by the primary key read the wide event rows and took three times as long at 200,000
events).

``ports_locations.code_assumed_reason`` says why a code marked ``code_assumed`` is the
platform's assumption (``models.CodeAssumption``); the demo's assumed codes get theirs here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0707_ports_booking_view"
down_revision: str | Sequence[str] | None = "0706_ports_event_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ports_event_references", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ports_event_references_event", ["event_pk", "kind", "value"], unique=False
        )
        batch_op.drop_index("ix_ports_event_references_event_pk")
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.create_index("ix_ports_events_id_writer", ["id", "organisation_id"], unique=False)
    with op.batch_alter_table("ports_locations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "code_assumed_reason", sa.String(length=10), nullable=False, server_default=""
            )
        )
    # The demo's assumed codes (ports/demo/places.py) loaded before this column existed.
    for reason, where in (
        ("unverified", "un_location_code IN ('CNCFD', 'CNTGS', 'CNHHA')"),
        ("no_locode", "un_location_code = 'CNXAN'"),
        ("facility", "un_location_code = 'CNBJS' AND facility_code <> ''"),
    ):
        op.execute(
            f"UPDATE ports_locations SET code_assumed_reason = '{reason}' "
            f"WHERE code_assumed AND {where}"
        )


def downgrade() -> None:
    with op.batch_alter_table("ports_locations", schema=None) as batch_op:
        batch_op.drop_column("code_assumed_reason")
    with op.batch_alter_table("ports_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ports_events_id_writer")
    with op.batch_alter_table("ports_event_references", schema=None) as batch_op:
        batch_op.create_index("ix_ports_event_references_event_pk", ["event_pk"], unique=False)
        batch_op.drop_index("ix_ports_event_references_event")
