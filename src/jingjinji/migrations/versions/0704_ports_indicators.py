"""ports indicators: widen ports_transport_calls.mode_of_transport to 6 (VESSEL)

The indicators need no table. This revision only holds the same widening the ports-subs (0702)
and ports-orders (0703) branches make, so that this branch's season loads on PostgreSQL: keep
it in whichever of them comes first when the branches are chained, and drop it from the others.

Revision ID: 0704_ports_indicators
Revises: 0701_ports
Create Date: 2026-12-02 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0704_ports_indicators"
down_revision: str | Sequence[str] | None = "0701_ports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # DCSA's modeOfTransport VESSEL has six letters: 0701's String(5) refused it on PostgreSQL.
    with op.batch_alter_table("ports_transport_calls", schema=None) as batch_op:
        batch_op.alter_column(
            "mode_of_transport",
            existing_type=sa.String(length=5),
            type_=sa.String(length=6),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ports_transport_calls", schema=None) as batch_op:
        batch_op.alter_column(
            "mode_of_transport",
            existing_type=sa.String(length=6),
            type_=sa.String(length=5),
            existing_nullable=False,
        )
